/* checks/compliance.c: the compliance frameworks a report can be summarised by (CIS
 * Controls v8.1, SOC 2) and the titles of their controls. The mapping of each check lives
 * in its catalog entry (catalog.c: `cis`, `soc2`). */
#include "flyaudit/audit.h"

#include <string.h>

typedef struct control_title {
	const char *id, *title;
} control_title;

/* CIS Critical Security Controls v8.1 (June 2024), the safeguards checks map to and their
 * neighbours. */
static const control_title cis_titles[] = {
	{"1.1", "Establish and Maintain Detailed Enterprise Asset Inventory"},
	{"2.1", "Establish and Maintain a Software Inventory"},
	{"2.2", "Ensure Authorized Software is Currently Supported"},
	{"2.5", "Allowlist Authorized Software"},
	{"3.3", "Configure Data Access Control Lists"},
	{"3.10", "Encrypt Sensitive Data in Transit"},
	{"3.11", "Encrypt Sensitive Data at Rest"},
	{"4.1", "Establish and Maintain a Secure Configuration Process"},
	{"4.4", "Implement and Manage a Firewall on Servers"},
	{"4.6", "Securely Manage Enterprise Assets and Software"},
	{"4.7", "Manage Default Accounts on Enterprise Assets and Software"},
	{"4.8", "Uninstall or Disable Unnecessary Services on Enterprise Assets and Software"},
	{"5.1", "Establish and Maintain an Inventory of Accounts"},
	{"5.2", "Use Unique Passwords"},
	{"5.3", "Disable Dormant Accounts"},
	{"5.4", "Restrict Administrator Privileges to Dedicated Administrator Accounts"},
	{"6.1", "Establish an Access Granting Process"},
	{"6.2", "Establish an Access Revoking Process"},
	{"6.3", "Require MFA for Externally-Exposed Applications"},
	{"6.5", "Require MFA for Administrative Access"},
	{"6.7", "Centralize Access Control"},
	{"6.8", "Define and Maintain Role-Based Access Control"},
	{"7.1", "Establish and Maintain a Vulnerability Management Process"},
	{"7.4", "Perform Automated Application Patch Management"},
	{"8.2", "Collect Audit Logs"},
	{"11.2", "Perform Automated Backups"},
	{"11.3", "Protect Recovery Data"},
	{"12.2", "Establish and Maintain a Secure Network Architecture"},
	{"12.3", "Securely Manage Network Infrastructure"},
	{"12.5", "Centralize Network Authentication, Authorization, and Auditing (AAA)"},
	{"12.6", "Use of Secure Network Management and Communication Protocols"},
	{"12.7", "Ensure Remote Devices Utilize a VPN and are Connecting to an Enterprise's AAA Infrastructure"},
	{"13.10", "Perform Application Layer Filtering"},
	{"16.1", "Establish and Maintain a Secure Application Development Process"},
	{"16.4", "Establish and Manage an Inventory of Third-Party Software Components"},
	{"16.5", "Use Up-to-Date and Trusted Third-Party Software Components"},
	{"16.7", "Use Standard Hardening Configuration Templates for Application Infrastructure"},
	{"16.12", "Implement Code-Level Security Checks"},
	{NULL, NULL},
};

/* SOC 2 Trust Services Criteria (AICPA 2017, points of focus revised 2022). */
static const control_title soc2_titles[] = {
	{"CC6.1", "Logical access security over protected information assets"},
	{"CC6.2", "Credentials issued and removed through registration and authorization"},
	{"CC6.3", "Role-based access, least privilege and removal of access"},
	{"CC6.6", "Protection against threats from outside the system boundaries"},
	{"CC6.7", "Restricted transmission, movement and removal of information"},
	{"CC6.8", "Prevention and detection of unauthorized or malicious software"},
	{"CC7.1", "Detection of configuration changes and new vulnerabilities"},
	{"CC7.2", "Monitoring of system components for anomalies"},
	{"CC7.5", "Recovery from identified security incidents"},
	{"CC8.1", "Change management"},
	{"A1.2", "Environmental protections, backup and recovery infrastructure"},
	{NULL, NULL},
};

static const char *const none[] = {NULL};

int fa_framework_parse(const char *s, fa_framework *out)
{
	if (s && (strcmp(s, "cis-8.1") == 0 || strcmp(s, "cis") == 0)) {
		*out = FA_FW_CIS_8_1;
		return 0;
	}
	if (s && strcmp(s, "soc2") == 0) {
		*out = FA_FW_SOC2;
		return 0;
	}
	return -1;
}

const char *fa_framework_name(fa_framework fw)
{
	return fw == FA_FW_CIS_8_1 ? "cis-8.1" : fw == FA_FW_SOC2 ? "soc2" : "";
}

const char *fa_framework_title(fa_framework fw)
{
	return fw == FA_FW_CIS_8_1 ? "CIS Controls v8.1"
	       : fw == FA_FW_SOC2  ? "SOC 2 Trust Services Criteria"
				   : "";
}

const char *const *fa_check_controls(const fa_check_meta *m, fa_framework fw)
{
	const char *const *l = NULL;

	if (m)
		l = fw == FA_FW_CIS_8_1 ? m->cis : fw == FA_FW_SOC2 ? m->soc2 : NULL;
	return l ? l : none;
}

const char *fa_control_title(fa_framework fw, const char *control)
{
	const control_title *t = fw == FA_FW_CIS_8_1 ? cis_titles : fw == FA_FW_SOC2 ? soc2_titles : NULL;

	for (; t && control && t->id; t++)
		if (strcmp(t->id, control) == 0)
			return t->title;
	return "";
}
