# bash completion for flyaudit: source it, or install it as
# /usr/share/bash-completion/completions/flyaudit (`make install` does).
# tests/test_formats.c checks that every option of `flyaudit --help` is listed here.
_flyaudit()
{
	local cur prev words cword
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="apps machines volumes ips secrets certs tokens members wireguard whoami snapshot audit diff checks fix scan images version"
	local opts="--org --app --format -o --output --fail-on --suppressions --baseline --concurrency
		--timeout --max-time --token-file --ca-file --checks --exclude-checks --severity --compliance --plan
		--from --repo --sort --failing --max-admins --all-orgs --resume --max-image-age --image-layers --probe --connect-to --json --no-progress --color -q --quiet -v --verbose -h --help --version"
	case $prev in
	--format)
		COMPREPLY=($(compgen -W "text json sarif junit html ocsf csv" -- "$cur"))
		return ;;
	--fail-on)
		COMPREPLY=($(compgen -W "critical high medium low info never" -- "$cur"))
		return ;;
	--severity)
		COMPREPLY=($(compgen -W "critical high medium low info manual" -- "$cur"))
		return ;;
	--compliance)
		COMPREPLY=($(compgen -W "cis-8.1 soc2" -- "$cur"))
		return ;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return ;;
	--sort)
		COMPREPLY=($(compgen -W "name findings" -- "$cur"))
		return ;;
	--checks|--exclude-checks)
		local ids
		ids=$(flyaudit checks 2>/dev/null | awk 'NR > 1 { print $1 }')
		COMPREPLY=($(compgen -W "$ids" -- "$cur"))
		return ;;
	-o|--output|--suppressions|--baseline|--token-file|--ca-file|--from|--plan)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--repo)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--org|--app|--concurrency|--timeout|--max-time|--connect-to)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	local w
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		case " $commands " in *" $w "*) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
	done
	COMPREPLY=($(compgen -W "$commands" -- "$cur"))
}
complete -F _flyaudit flyaudit
