/* test_macaroon.c: the token decoder against the official vectors (decode and HMAC
 * verification with the published key), synthetic Fly token shapes, and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <msgpack.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/macaroon.h"

#define NOW ((time_t)1700000000)
#define DAY 86400

/* The official vectors (superfly/macaroon-elixir test/vectors.json), verbatim. */
static const struct vec { const char *name; const char *header; } vectors[] = {
	{ "BindToParentToken",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEKmvOc4h23EQwpFeP+RcIx/C2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIMxAMBAgPEIE3ZCEeIjVPdF/1GEHrXpDmEC1C/uFiivgq6yAAmDMvs" },
	{ "ConfineGitHubOrg",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEOnF2EKqSMufR3cLoVkIkWjC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIUe8Qg53pHBBmLn5ILFXtOhMCXaYLZHCXpUMBVvJS4KMzZmc0=" },
	{ "ConfineGoogleHD",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEH7so5UbkhOOA1+U/iMtkv/C2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpITozEyM8QgW/tU5vvf/zPFDWNeEmqW8Ct6SAmmJeXrWFXQp7RdY14=" },
	{ "ConfineOrganization",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EED3vf6jgExZUlJp9f7SswTzC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIJkXvEIPtppx5Wp4yRjciUPyJc4h2JLjvCUjANcCggAZAMnTb6" },
	{ "ConfineUser",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEOjXiaJWVDlc+FbHQ/zWX1vC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIIkXvEIEaQ5SF4+lyq5g0DB2IM0gT6k3JsXBP7M6Ku8n2HuV3J" },
	{ "FlySrc",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEKbFb6wLmzppYTqqxjkeWSvC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIfk6Nmb2+jYmFyo2JhesQgnt4WJX1kT8cSl7X4FqJ4NGJIdWZi9T6GQBGIgLi2J+o=" },
	{ "FlyioUserID",
	  "FlyV1 fm2_lJPEQHNgFWOaPe4HIXU1KfKIwfKb2pkeVDUugNbU6IKkuiZ1FjYC7G8zsFKoXVIOHzAmGxdjpGf0bPMcjzULbjUsHnrEEGVY1iU204rDAjGWh+W9ai7D2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIXe8QgvW+SQZmjNRu0a9UokNwa3c3F88OlSNPtTGlLvE7EXfc=" },
	{ "GitHubUserID",
	  "FlyV1 fm2_lJPEQMxm7V9OOpRTraLC5rH4QMA1VhBArAwQXfBLnLd3K+3ZYfDWZV/SHh8fbOXXmJOaQo0itj01iWYV5/SOzD6N5jHEEP45vGuT/UZ+1LU1i5vg8vDD2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIYe8QgSE7HvkuByEbfwgfC/GnacjEhQDtIf93Y/l3j2kY7fRo=" },
	{ "GoogleUserID",
	  "FlyV1 fm2_lJPEQNkgvgGtfQIer83p3PVWgjYzB9cCjvVh3mN7ehxHOAOnR5ZyRLNikRYa+u6RHlxMk59bHqTA3K+GJpWSzBwHl8PEEKwoF+CvpRjnHDD9cqLFdoDD2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIZxAnerb7v3q2+73vEIN0rtjvbHys9fF0nYAqnYKDdePtcjbbchy1DHqLCZx7r" },
	{ "Int64",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEBnzd0o6C00RHHafeGikbmLC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAHQhcQgCkN7N/V2dhk4o6OxWU/9M3kLtlqDSt8rjnoT5++meOc=" },
	{ "IntResourceSet",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEAMCWrEsf+UlL+EuS2dxopXC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAWRgwEfAh8DH8Qg3kRFgrPvCqGrufBS7/Ezn9/JYjkYkgn+xbEAw2Fg8dE=" },
	{ "IsMember",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEIJskVVmw7E8cWD0EeiFLwTC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIWkMQgdiLQd57PvTC2N4Q7lmEHsJ76EVZ0VoALt66ldpRUx9U=" },
	{ "Map",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENRuXGYGi6Ndj/1lJKWQ1PjC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAASDoWGhYaFioWKhY6FjxCC4GNZEejKevsNgP7eZ4ysr08r3retCXlX+NlkrPvDVpw==" },
	{ "Mutations",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEBVKVKF6Do5p0SVG7oT+kTzC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIGkZGjZm9vxCDNJBoAe7GLkPZsekxfe85qyC1QP5/yNcoCR0ss1rSlNw==" },
	{ "Organization",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EECujs46F1dTIFiez577792bC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIAknsfxCA0mtaW4yR+l4nTHJezLug2X7sP+yM8yvxk/ZKPTSubJQ==" },
	{ "PrefixResourceSet",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEHa7jfDzHa7eLKsVcvZuR7rC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAeRg6FhH6FiH6FjH8QgE1nTWbW8gkAXoohXUOVw3qBdhA9U8koVx9scfnRbhQg=" },
	{ "Slice",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEAaaxm6ksvAWibDHKq93xaTC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAPEAwECA8QgoIQiB/H4YTnagy83fdWZlBsu7o8zEK5Sa9yCM9MbNcU=" },
	{ "String",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEMs0PXqo08nNHirN5CLfIMPC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAACjZm9vxCCZ0zPtdSWBbEDBR1XPwt7/KJJf1V4MbUEDFW+5WGYmBg==" },
	{ "StringResourceSet",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEIY4mEULQyVpI7PvJjZs0VjC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAaRg6FhH6FiH6FjH8QgcpDOdmUWjNDP0aPye9mUgbcEAJXM20Y7y6Dvvgebbgo=" },
	{ "Struct",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EECTI+3n09KNm7LVbhn1WDMPC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAiYo2Zvb9CFe8QDAQIDg6FhoWGhYqFioWOhY4MBHwIfAx+DoWEfoWIfoWMfg6FhH6FiH6FjH8QgyeDa1xRFIaKvrMZjql8ek9EbNz9HxGaHWNnLIzBNmdY=" },
	{ "Uint64",
	  "FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EEJNBQudN0tUBV0KTpAblanDC2SA1NjlmY2RhNWEzMjA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAJ7xCCVHldMGdiU/IYdD7JXZjJs6P976RNHlyvW0Gjwzlv9eQ==" },
};
static const char with_tps[] =
	"FlyV1 fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzMjA5MmM3NzU1"
	"YjQ2OWI5YmJmMTg1ZpQLk6pkaXNjaGFyZ2VkxDz1bBbKJyy7SBrgXyWMVD6nEd0//yzW6ImD4hM1drZhLiFLEU2XCv"
	"BGJxZff+7a72Fn0i/U8hEvI8KMwirEQN6OK4LkG7k+s25eWrutzgfDrksicvzXyclJ2Jfujwi++FA0fNFc7uMWxfTK"
	"buRpaZ/76VEkI4+SyaXj6MtdzHcLk6x1bmRpc2NoYXJnZWTEPHXj5mYsBY4K1jk1840qTByq/VehCFeakDut8r0Ms7"
	"xsg52tBKujM0Hvaiz/KD03dIuIzom6XncVOZTTAcRACbVxYs1KIdtvuzWIWjjsZg/AdUWTs1+rvfSE66RiGsVoKLA8"
	"t9wnG0G0XwK5wZs6Mb4DBoG4UbPbBkKLZNOrU8QgJJD2pcK9OxZLzjJYbvzrvM3zmfBumA0ZwEXByZyZlx0=,fm2_l"
	"JPEQN6OK4LkG7k+s25eWrutzgfDrksicvzXyclJ2Jfujwi++FA0fNFc7uMWxfTKbuRpaZ/76VEkI4+SyaXj6MtdzHf"
	"EENaMnVwaLmeMOHuwiFB4g7TDqmRpc2NoYXJnZWSQxCDyrOGJDeujrOP0qlAzDZdY9BiglQSbmiBgAvEy0C7WBg=="
;
/* `caveats` section: single-caveat sets, base64 msgpack. */
static const struct cvec { const char *name; const char *b64; } caveat_sets[] = {
	{ "BindToParentToken", "kgzEAwECAw==" },
	{ "ConfineGitHubOrg", "khR7" },
	{ "ConfineGoogleHD", "khOjMTIz" },
	{ "ConfineOrganization", "kgmRew==" },
	{ "ConfineUser", "kgiRew==" },
	{ "FlySrc", "kh+To2Zvb6NiYXKjYmF6" },
	{ "FlyioUserID", "khd7" },
	{ "GitHubUserID", "khh7" },
	{ "GoogleUserID", "khnECd6tvu/erb7vew==" },
	{ "Int64", "ks8AAQAAAAAAAdCF" },
	{ "IntResourceSet", "ks8AAQAAAAAABZGDAR8CHwMf" },
	{ "IsMember", "khaQ" },
	{ "Map", "ks8AAQAAAAAABIOhYaFhoWKhYqFjoWM=" },
	{ "Mutations", "kgaRkaNmb28=" },
	{ "Organization", "kgCSex8=" },
	{ "PrefixResourceSet", "ks8AAQAAAAAAB5GDoWEfoWIfoWMf" },
	{ "Slice", "ks8AAQAAAAAAA8QDAQID" },
	{ "String", "ks8AAQAAAAAAAKNmb28=" },
	{ "StringResourceSet", "ks8AAQAAAAAABpGDoWEfoWIfoWMf" },
	{ "Struct", "ks8AAQAAAAAACJijZm9v0IV7xAMBAgODoWGhYaFioWKhY6FjgwEfAh8DH4OhYR+hYh+hYx+DoWEfoWIfoWMf" },
	{ "Uint64", "ks8AAQAAAAAAAns=" },
	{ "bigUint64Caveat", "ks8AAQAAAAAAAs///////////w==" },
	{ "smallUint64Caveat", "ks8AAQAAAAAAAgE=" },
	{ "zeroUint64Caveat", "ks8AAQAAAAAAAgA=" },
};
/* `attenuation` section: base header -> attenuated headers (the middle token is the test key's). */
static const char atten_base[] =
	"FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	"1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	"jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpDEIMrggdL28dq4gebSBggkxV3pUgZKTa95Wbm1wx1xYIgn,fm2_lJPEAwECA8"
	"QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHESbA="
;
static const struct avec { const char *caveat_b64; const char *header; } attenuated[] = {
	{ "kA==",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpDEIMrggdL28dq4gebSBggkxV3pUgZKTa95Wbm1wx1xYIgn,fm2_lJPEAwECA8"
	  "QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHESbA="
	},
	{ "kgCSex8=",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIAknsfxCBh6pj/iXPB1/neaoPiWWKkKDZUD2lml47L838A72zu6A==,fm2_lJ"
	  "PEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHE"
	  "SbA="
	},
	{ "kgaRkaNmb28=",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIGkZGjZm9vxCAu4ZIsNUrtCquajZA0LCRY3iIZ2ajQuC1rL8N+Os574g==,fm"
	  "2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+"
	  "GzHESbA="
	},
	{ "kgiRew==",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIIkXvEIBKwGZyfqw2zpfz0B1FwiLUGj4FySigQuG6u3jluJacn,fm2_lJPEAw"
	  "ECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHESbA="
	},
	{ "kgmRew==",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIJkXvEIPoauNRLkjL42Axx4vRur6VDBAYqW7MQIR630cPvKQW1,fm2_lJPEAw"
	  "ECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHESbA="
	},
	{ "kgzEAwECAw==",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIMxAMBAgPEIB8a/WN5qy+tN+c4I4FIHeFjgx4tvHExeymZp+mSi/bn,fm2_lJ"
	  "PEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHE"
	  "SbA="
	},
	{ "kh+To2Zvb6NiYXKjYmF6",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIfk6Nmb2+jYmFyo2JhesQgURqcwa/0hlOsiaPuXxErifa7brRWQDYfBV/jwOs"
	  "J5c8=,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA="
	},
	{ "khOjMTIz",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpITozEyM8QglcXDBA+gPA2/3BN/CpzELHa+hB9CiPamkeAAlafjLRI=,fm2_lJ"
	  "PEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHE"
	  "SbA="
	},
	{ "khR7",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIUe8Qg7/Y18cjXvR5aKHvztq7G1kiIx514U5IcJpJlaJzynEc=,fm2_lJPEAw"
	  "ECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHESbA="
	},
	{ "khaQ",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpIWkMQgvzoGgeYy1JGFuN03D2R/e/p3qXMGOFby4YJtqZn7Vm4=,fm2_lJPEAw"
	  "ECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAAA8QDAQID",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAPEAwECA8QgvT4rSbkufMo/vdl+xqBTG2wIkOdGaS+z4hSY7Yg"
	  "B7Lg=,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAAAKNmb28=",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAACjZm9vxCBlMmgyRF/nGbZO6cSnFKoRACTBr/6WRFyuK3/y12U"
	  "W6g==,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAAAdCF",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAHQhcQgV8ZIpzz5eOnD9bPJuEYw822TFaA4WZU7v4DxCGwmBcI"
	  "=,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66"
	  "d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAAAns=",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAJ7xCCmoAb/pOnqYN4nLlgdQuNZj9MsjGiu/36j5yoURGMJlw="
	  "=,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66"
	  "d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAAB5GDoWEfoWIfoWMf",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAeRg6FhH6FiH6FjH8QgAsFOGceZ8CLnnnTjiyOvg2diBaAh4aM"
	  "Ct17ANjCu02A=,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJ"
	  "lC/Aa7zy1N66d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAABIOhYaFhoWKhYqFjoWM=",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAASDoWGhYaFioWKhY6FjxCCJ87LCCNE7lYUEKNSztZQhuoEfBUz"
	  "QFI3p0dXs9FggXg==,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQ"
	  "RCYJlC/Aa7zy1N66d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAABZGDAR8CHwMf",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAWRgwEfAh8DH8QgJdiILvsuXPXssY39/M/ftklnkY0FOz7zMfW"
	  "+WyC67A8=,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/A"
	  "a7zy1N66d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAABpGDoWEfoWIfoWMf",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAaRg6FhH6FiH6FjH8QgtCzVv5fn7CL3UUEfAwsEMgKcecSuS1N"
	  "e6rXU0wgOftU=,fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJ"
	  "lC/Aa7zy1N66d1e+GzHESbA="
	},
	{ "ks8AAQAAAAAACJijZm9v0IV7xAMBAgODoWGhYaFioWKhY6FjgwEfAh8DH4OhYR+hYh+hYx+DoWEfoWIfoWMf",
	  "FlyV1 fm2_lJPEAwECA8QQGcOUKxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy"
	  "1N66d1e+GzHESbA=,fm2_lJPEEExB/BxBlbj3omHTPiPQ5o/EENmRQpmM8hDBy+nSqwz9HMnC2SA1NjlmY2RhNWEzM"
	  "jA5MmM3NzU1YjQ2OWI5YmJmMTg1ZpLPAAEAAAAAAAiYo2Zvb9CFe8QDAQIDg6FhoWGhYqFioWOhY4MBHwIfAx+DoWE"
	  "foWIfoWMfg6FhH6FiH6FjH8QgQQOJoOHdV2MNFeexAZ/kwEMTcN6PSOs5xd0X02OihOc=,fm2_lJPEAwECA8QQGcOU"
	  "KxQFgGsVS3kazDuO2sKpb3RoZXIgbG9jkMQgkAr8Sg/7LFQ6PIQQRCYJlC/Aa7zy1N66d1e+GzHESbA="
	},
};

static const char VEC_KEY_B64[] = "tLsBmDsgcHRosC63X4W3xiBRCA1F6L/EPpBGJUQPFuY=";
static const char VEC_TP_KEY_B64[] = "1VbXjTCbQXNpBkTMwQIeQ3x0h9iMh7OzjFoSo6Juf0A=";

/* ---- helpers ------------------------------------------------------------------------ */

static const char *find_vec(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		if (!strcmp(vectors[i].name, name))
			return vectors[i].header;
	fail_msg("no vector %s", name);
	return NULL;
}

/* Cuts s at its first newline. */
static char *first_line(char *s)
{
	char *nl = strchr(s, '\n');

	if (nl)
		*nl = '\0';
	return s;
}

static fa_token_info *decode_ok(const char *hdr)
{
	fa_token_info *info = NULL;
	char err[256] = "";
	int rc = fa_macaroon_decode(hdr, strlen(hdr), NOW, &info, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "decode failed: %d %s\n", rc, err);
	assert_int_equal(rc, 0);
	assert_non_null(info);
	return info;
}

static int decode_rc(const char *hdr, size_t len, char *err, size_t errlen)
{
	fa_token_info *info = NULL;
	int rc = fa_macaroon_decode(hdr, len, NOW, &info, err, errlen);

	if (rc == 0) {
		assert_non_null(info);
		fa_token_info_free(info);
	} else {
		assert_null(info);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
	}
	return rc;
}

static size_t b64dec(const char *s, unsigned char *out, size_t cap)
{
	size_t n = 0;

	assert_int_equal(fa_base64_decode_strict(s, strlen(s), out, cap, &n), 0);
	return n;
}

/* "fm2_" + base64(bytes) into a malloc'd string. */
static char *tok_of(const unsigned char *p, size_t n)
{
	char *s = malloc(4 + 4 * ((n + 2) / 3) + 1);

	assert_non_null(s);
	memcpy(s, "fm2_", 4);
	EVP_EncodeBlock((unsigned char *)s + 4, p, (int)n);
	return s;
}

/* ---- a small token builder (msgpack-c packer) --------------------------------------- */

typedef struct tb {
	msgpack_sbuffer sb;
	msgpack_packer pk;
} tb;

static void tb_init(tb *t)
{
	msgpack_sbuffer_init(&t->sb);
	msgpack_packer_init(&t->pk, &t->sb, msgpack_sbuffer_write);
}

static void pk_bin(msgpack_packer *pk, const void *p, size_t n)
{
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, p, n);
}

static void pk_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* [nonce, location, caveats (n_caveats pairs follow), ...]; finish with mac_end */
static void mac_begin(tb *t, const char *loc, bool proof, const void *kid, size_t kidn,
	size_t n_caveats)
{
	static const unsigned char rnd[16] = { 0 };
	static const unsigned char kid8[8] = { 0, 0, 0, 0, 0, 0, 0, 42 };

	msgpack_pack_array(&t->pk, 4);
	msgpack_pack_array(&t->pk, 3);
	if (kid)
		pk_bin(&t->pk, kid, kidn);
	else
		pk_bin(&t->pk, kid8, sizeof(kid8));
	pk_bin(&t->pk, rnd, sizeof(rnd));
	if (proof)
		msgpack_pack_true(&t->pk);
	else
		msgpack_pack_false(&t->pk);
	pk_str(&t->pk, loc);
	msgpack_pack_array(&t->pk, 2 * n_caveats);
}

/* Adds the tail and returns the "fm2_..." token (malloc'd); the builder is reset. */
static char *mac_end(tb *t)
{
	static const unsigned char tail[32] = { 0xaa };
	char *s;

	pk_bin(&t->pk, tail, sizeof(tail));
	s = tok_of((const unsigned char *)t->sb.data, t->sb.size);
	msgpack_sbuffer_destroy(&t->sb);
	tb_init(t);
	return s;
}

static void c_org(msgpack_packer *pk, uint64_t id, uint64_t mask)
{
	msgpack_pack_uint64(pk, FA_CAV_ORGANIZATION);
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint64(pk, id);
	msgpack_pack_uint64(pk, mask);
}

static void c_apps(msgpack_packer *pk, const uint64_t *ids, size_t n, uint64_t mask)
{
	size_t i;

	msgpack_pack_uint64(pk, FA_CAV_APPS);
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_uint64(pk, ids[i]);
		msgpack_pack_uint64(pk, mask);
	}
}

static void c_strrs(msgpack_packer *pk, uint64_t type, const char *const *keys, size_t n,
	uint64_t mask)
{
	size_t i;

	msgpack_pack_uint64(pk, type);
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, n);
	for (i = 0; i < n; i++) {
		pk_str(pk, keys[i]);
		msgpack_pack_uint64(pk, mask);
	}
}

static void c_vw(msgpack_packer *pk, int64_t nb, int64_t na)
{
	msgpack_pack_uint64(pk, FA_CAV_VALIDITY_WINDOW);
	msgpack_pack_array(pk, 2);
	msgpack_pack_int64(pk, nb);
	msgpack_pack_int64(pk, na);
}

static void c_mut(msgpack_packer *pk, const char *const *names, size_t n)
{
	size_t i;

	msgpack_pack_uint64(pk, FA_CAV_MUTATIONS);
	msgpack_pack_array(pk, 1);
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		pk_str(pk, names[i]);
}

static const unsigned char TICKET_A[78] = { 1, 2, 3, 4, 5 };
static const unsigned char TICKET_B[78] = { 9, 9, 9 };

static void c_3p(msgpack_packer *pk, const char *loc, const unsigned char *ticket, size_t tn)
{
	static const unsigned char vk[60] = { 7 };

	msgpack_pack_uint64(pk, FA_CAV_THIRD_PARTY);
	msgpack_pack_array(pk, 3);
	pk_str(pk, loc);
	pk_bin(pk, vk, sizeof(vk));
	pk_bin(pk, ticket, tn);
}

/* IfPresent: c_ifp_begin, then n_inner caveats, then c_ifp_end(else) */
static void c_ifp_begin(msgpack_packer *pk, size_t n_inner)
{
	msgpack_pack_uint64(pk, FA_CAV_IF_PRESENT);
	msgpack_pack_array(pk, 2);
	msgpack_pack_array(pk, 2 * n_inner);
}

static void c_ifp_end(msgpack_packer *pk, uint64_t else_mask)
{
	msgpack_pack_uint64(pk, else_mask);
}

static void c_u(msgpack_packer *pk, uint64_t type, uint64_t v)
{
	msgpack_pack_uint64(pk, type);
	msgpack_pack_uint64(pk, v);
}

static void c_id1(msgpack_packer *pk, uint64_t type, uint64_t v)
{
	msgpack_pack_uint64(pk, type);
	msgpack_pack_array(pk, 1);
	msgpack_pack_uint64(pk, v);
}

static void c_bind(msgpack_packer *pk)
{
	static const unsigned char id[16] = { 0x11 };

	msgpack_pack_uint64(pk, FA_CAV_BIND_TO_PARENT);
	pk_bin(pk, id, sizeof(id));
}

/* A Fly auth discharge for `ticket`, valid [nb, na], attesting user uid. */
static char *discharge(const unsigned char *ticket, size_t tn, int64_t nb, int64_t na,
	uint64_t uid)
{
	tb t;

	tb_init(&t);
	mac_begin(&t, "https://api.fly.io/aaa/v1", true, ticket, tn, 4);
	c_vw(&t.pk, nb, na);
	c_u(&t.pk, FA_CAV_FLYIO_USER_ID, uid);
	c_id1(&t.pk, FA_CAV_IS_USER, uid);
	c_bind(&t.pk);
	return mac_end(&t);
}

static char *header2(const char *a, const char *b)
{
	size_t n = strlen(a) + (b ? strlen(b) : 0) + 16;
	char *h = malloc(n);

	assert_non_null(h);
	snprintf(h, n, "FlyV1 %s%s%s", a, b ? "," : "", b ? b : "");
	return h;
}

static char *json_of(const fa_token_info *info, const char *api)
{
	fa_buf b = FA_BUF_INIT(0);

	assert_int_equal(fa_whoami_json(info, NOW, api, &b), 0);
	return fa_buf_detach(&b, NULL);
}

static char *text_of(const fa_token_info *info)
{
	fa_buf b = FA_BUF_INIT(0);

	assert_int_equal(fa_whoami_text(info, NOW, &b), 0);
	return fa_buf_detach(&b, NULL);
}

/* No 16-character run of any token payload in the header appears in `out`. */
static void assert_no_token_text(const char *hdr, const char *out)
{
	const char *p = hdr;

	while ((p = strstr(p, "fm")) != NULL) {
		const char *q = strchr(p, '_');
		size_t n, i;

		if (!q)
			break;
		q++;
		n = strcspn(q, ",");
		for (i = 0; i + 16 <= n; i++) {
			char frag[17];

			memcpy(frag, q + i, 16);
			frag[16] = '\0';
			assert_null(strstr(out, frag));
		}
		p = q;
	}
}

/* ---- HMAC verification (tests only: TOKENS.md 2.6) ---------------------------------- */

/* Verifies one "fm2_..." token's tail under key: T0 = HMAC(key, nonce), then per caveat
 * HMAC(T, 0x92 || type || body), then the proof finalization. Uses raw spans. */
static bool verify_impl(const char *tok, const unsigned char *key, size_t keylen, bool tamper)
{
	unsigned char raw[4096], t[32], msg[4096];
	unsigned int tl = 32;
	size_t n, off = 0, len = 0, i, ncav, tailn;
	const unsigned char *p;
	bool proof;
	static const char fin[] = "proof-signature-finalization";

	tok = strchr(tok, '_') + 1;
	n = b64dec(tok, raw, sizeof(raw));
	assert_int_equal(raw[0], 0x94);
	off = 1;
	/* nonce */
	assert_int_equal(fa_msgpack_object_len(raw + off, n - off, &len), 0);
	proof = raw[off] == 0x93 && raw[off + len - 1] == 0xc3;
	HMAC(EVP_sha256(), key, (int)keylen, raw + off, len, t, &tl);
	off += len;
	/* location */
	assert_int_equal(fa_msgpack_object_len(raw + off, n - off, &len), 0);
	off += len;
	/* caveats: fixarray or array16 header */
	if ((raw[off] & 0xf0) == 0x90) {
		ncav = (raw[off] & 0x0f) / 2;
		off += 1;
	} else {
		assert_int_equal(raw[off], 0xdc);
		ncav = ((size_t)raw[off + 1] << 8 | raw[off + 2]) / 2;
		off += 3;
	}
	for (i = 0; i < ncav; i++) {
		size_t l1 = 0, l2 = 0;

		assert_int_equal(fa_msgpack_object_len(raw + off, n - off, &l1), 0);
		assert_int_equal(fa_msgpack_object_len(raw + off + l1, n - off - l1, &l2), 0);
		msg[0] = 0x92;
		memcpy(msg + 1, raw + off, l1 + l2);
		if (tamper && i + 1 == ncav)
			msg[l1 + l2] ^= 1;
		HMAC(EVP_sha256(), t, 32, msg, 1 + l1 + l2, t, &tl);
		off += l1 + l2;
	}
	if (proof)
		HMAC(EVP_sha256(), fin, (int)strlen(fin), t, 32, t, &tl);
	/* tail: c4 20 <32> */
	assert_int_equal(raw[off], 0xc4);
	tailn = raw[off + 1];
	p = raw + off + 2;
	return tailn == 32 && memcmp(p, t, 32) == 0;
}

static bool fa_macaroon_verify_hmac(const char *tok, const unsigned char *key, size_t keylen)
{
	return verify_impl(tok, key, keylen, false);
}

static void vec_key(unsigned char key[32])
{
	assert_int_equal(b64dec(VEC_KEY_B64, key, 32), 32);
}

/* ---- official vectors --------------------------------------------------------------- */

static const fa_caveat *only_caveat(const fa_token_info *info)
{
	assert_int_equal(info->kind, FA_TOKEN_KIND_MACAROON);
	assert_int_equal(info->n_macs, 1);
	assert_int_equal(info->macs[0].n_caveats, 1);
	assert_string_equal(info->macs[0].location, "569fcda5a32092c7755b469b9bbf185f");
	return &info->macs[0].caveats[0];
}

static void test_vectors_decode(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *name = vectors[i].name;
		fa_token_info *info = decode_ok(vectors[i].header);
		const fa_caveat *c = only_caveat(info);

		if (!strcmp(name, "Organization")) {
			assert_int_equal(c->type, FA_CAV_ORGANIZATION);
			assert_int_equal(c->num, 123);
			assert_int_equal(c->mask, 31);
			assert_true(info->has_org);
			assert_int_equal(info->org_id, 123);
		} else if (!strcmp(name, "Mutations")) {
			assert_int_equal(c->type, FA_CAV_MUTATIONS);
			assert_int_equal(c->n_strs, 1);
			assert_string_equal(c->strs[0], "foo");
		} else if (!strcmp(name, "IsMember")) {
			assert_int_equal(c->type, FA_CAV_IS_MEMBER);
			assert_true(info->features_restricted);
		} else if (!strcmp(name, "FlyioUserID")) {
			assert_int_equal(c->type, FA_CAV_FLYIO_USER_ID);
			assert_int_equal(c->num, 123);
			assert_true(info->macs[0].proof);
			assert_int_equal(info->macs[0].kid_len, 64);
			assert_int_equal(info->macs[0].role, FA_MAC_ROLE_DISCHARGE);
			assert_true(info->has_user);
			assert_int_equal(info->user_id, 123);
		} else if (!strcmp(name, "GitHubUserID")) {
			assert_int_equal(c->type, FA_CAV_GITHUB_USER_ID);
			assert_int_equal(c->num, 123);
		} else if (!strcmp(name, "GoogleUserID")) {
			static const unsigned char want[] = { 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad,
				0xbe, 0xef, 0x7b };

			assert_int_equal(c->type, FA_CAV_GOOGLE_USER_ID);
			assert_int_equal(c->n_bytes, sizeof(want));
			assert_memory_equal(c->bytes, want, sizeof(want));
		} else if (!strcmp(name, "ConfineUser")) {
			assert_int_equal(c->type, FA_CAV_CONFINE_USER);
			assert_int_equal(c->num, 123);
		} else if (!strcmp(name, "ConfineOrganization")) {
			assert_int_equal(c->type, FA_CAV_CONFINE_ORGANIZATION);
			assert_int_equal(c->num, 123);
		} else if (!strcmp(name, "ConfineGoogleHD")) {
			assert_int_equal(c->type, FA_CAV_CONFINE_GOOGLE_HD);
			assert_string_equal(c->strs[0], "123");
		} else if (!strcmp(name, "ConfineGitHubOrg")) {
			assert_int_equal(c->type, FA_CAV_CONFINE_GITHUB_ORG);
			assert_int_equal(c->num, 123);
		} else if (!strcmp(name, "BindToParentToken")) {
			static const unsigned char want[] = { 1, 2, 3 };

			assert_int_equal(c->type, FA_CAV_BIND_TO_PARENT);
			assert_int_equal(c->n_bytes, 3);
			assert_memory_equal(c->bytes, want, 3);
		} else if (!strcmp(name, "FlySrc")) {
			assert_int_equal(c->type, FA_CAV_FLY_SRC);
			assert_int_equal(c->n_strs, 3);
			assert_string_equal(c->strs[0], "foo");
			assert_string_equal(c->strs[1], "bar");
			assert_string_equal(c->strs[2], "baz");
		} else {
			/* user-defined types (2^48 + k): unknown, kept raw and skipped */
			assert_true(c->type >= ((uint64_t)1 << 48));
			assert_false(c->known);
			assert_true(c->raw_len > 0);
			assert_int_equal(info->n_unknown, 1);
			if (!strcmp(name, "Int64")) {
				assert_int_equal(c->raw_len, 2); /* d0 85 */
				assert_int_equal(c->raw[0], 0xd0);
			} else if (!strcmp(name, "Uint64")) {
				assert_int_equal(c->raw_len, 1);
				assert_int_equal(c->raw[0], 0x7b);
			}
		}
		if (strcmp(name, "FlyioUserID") && strcmp(name, "GitHubUserID") &&
			strcmp(name, "GoogleUserID")) {
			assert_false(info->macs[0].proof);
			assert_int_equal(info->macs[0].kid_len, 16);
		}
		fa_token_info_free(info);
	}
}

static void test_vectors_verify(void **state)
{
	unsigned char key[32];
	size_t i, n_checked = 0;
	(void)state;

	vec_key(key);
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *tok = strstr(vectors[i].header, "fm2_");
		unsigned char wrong[32];

		/* proofs were signed with an unpublished random key */
		if (!strncmp(tok, "fm2_lJPEQ", 9))
			continue;
		assert_true(fa_macaroon_verify_hmac(tok, key, sizeof(key)));
		n_checked++;
		/* a changed caveat byte or a wrong key breaks the chain */
		assert_false(verify_impl(tok, key, sizeof(key), true));
		memcpy(wrong, key, sizeof(wrong));
		wrong[0] ^= 0x80;
		assert_false(fa_macaroon_verify_hmac(tok, wrong, sizeof(wrong)));
	}
	assert_int_equal(n_checked, 18); /* 21 vectors, 3 proofs */
}

/* with_tps: 3P "discharged" has its discharge; its tail verifies under the rn sealed in
 * the ticket (ChaCha20-Poly1305 under tp_key); 3P "undischarged" has none. */
static void test_vectors_with_tps(void **state)
{
	unsigned char key[32], tpk[32], raw[1024], pt[256], rn[32];
	fa_token_info *info = decode_ok(with_tps);
	const char *dis = strchr(with_tps, ',') + 1;
	char *perm = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	const fa_caveat *c;
	size_t n;
	int outl = 0, fl = 0;
	const unsigned char *ticket;
	size_t tn;
	(void)state;

	assert_int_equal(info->n_macs, 2);
	assert_int_equal(info->macs[0].n_caveats, 2);
	c = &info->macs[0].caveats[0];
	assert_int_equal(c->type, FA_CAV_THIRD_PARTY);
	assert_string_equal(c->strs[0], "discharged");
	assert_true(c->discharged);
	assert_int_equal(c->vk_len, 60);
	assert_int_equal(c->ticket_len, 64);
	assert_string_equal(info->macs[0].caveats[1].strs[0], "undischarged");
	assert_false(info->macs[0].caveats[1].discharged);
	assert_int_equal(info->n_third_party, 2);
	assert_int_equal(info->n_undischarged, 1);
	assert_true(info->macs[1].proof);
	assert_int_equal(info->macs[1].role, FA_MAC_ROLE_DISCHARGE);
	assert_string_equal(info->macs[1].location, "discharged");
	assert_int_equal(info->macs[1].n_caveats, 0);
	fa_token_info_free(info);

	/* permission token: the test key */
	vec_key(key);
	perm = strndup(strstr(with_tps, "fm2_"), (size_t)(dis - 1 - strstr(with_tps, "fm2_")));
	assert_non_null(perm);
	assert_true(fa_macaroon_verify_hmac(perm, key, sizeof(key)));

	/* ticket of the first 3P: raw bytes inside the permission token */
	n = b64dec(perm + 4, raw, sizeof(raw));
	ticket = NULL;
	for (tn = 0; tn + 2 < n; tn++) {
		/* c4 40 <64 bytes> right after "c4 3c <vk 60>" */
		if (raw[tn] == 0xc4 && raw[tn + 1] == 0x3c) {
			ticket = raw + tn + 2 + 60 + 2;
			assert_int_equal(raw[tn + 62], 0xc4);
			assert_int_equal(raw[tn + 63], 0x40);
			break;
		}
	}
	assert_non_null(ticket);
	assert_int_equal(b64dec(VEC_TP_KEY_B64, tpk, 32), 32);
	ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL), 1);
	assert_int_equal(EVP_DecryptInit_ex(ctx, NULL, NULL, tpk, ticket), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, pt, &outl, ticket + 12, 64 - 12 - 16), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
				 (void *)(uintptr_t)(ticket + 64 - 16)), 1);
	assert_int_equal(EVP_DecryptFinal_ex(ctx, pt + outl, &fl), 1);
	EVP_CIPHER_CTX_free(ctx);
	/* plaintext: [rn bin32, caveats] */
	assert_int_equal(pt[0], 0x92);
	assert_int_equal(pt[1], 0xc4);
	assert_int_equal(pt[2], 32);
	memcpy(rn, pt + 3, 32);
	assert_true(fa_macaroon_verify_hmac(dis, rn, sizeof(rn)));
	assert_false(fa_macaroon_verify_hmac(dis, key, sizeof(key)));
	free(perm);
}

static void test_vectors_attenuation(void **state)
{
	unsigned char key[32];
	size_t i;
	(void)state;

	vec_key(key);
	for (i = 0; i < sizeof(attenuated) / sizeof(attenuated[0]); i++) {
		fa_token_info *info = decode_ok(attenuated[i].header);
		const char *mid = strchr(attenuated[i].header, ',') + 1;
		char *tok = strndup(mid, (size_t)(strchr(mid, ',') - mid));
		unsigned char cav[128];
		size_t cn = b64dec(attenuated[i].caveat_b64, cav, sizeof(cav));

		assert_int_equal(info->n_macs, 3);
		assert_string_equal(info->macs[0].location, "other loc");
		assert_int_equal(info->macs[0].kid_len, 3);
		assert_int_equal(info->macs[2].role, FA_MAC_ROLE_OTHER);
		if (cn > 1) {
			/* the added caveat: its type byte follows the 0x92 */
			assert_int_equal(info->macs[1].n_caveats, 1);
			if (cav[1] < 0x80)
				assert_int_equal(info->macs[1].caveats[0].type, cav[1]);
		} else {
			assert_int_equal(info->macs[1].n_caveats, 0);
		}
		assert_true(fa_macaroon_verify_hmac(tok, key, sizeof(key)));
		free(tok);
		fa_token_info_free(info);
	}
	fa_token_info_free(decode_ok(atten_base));
}

/* ---- the `caveats` section, wrapped in a synthetic macaroon ------------------------- */

static char *wrap_set(const unsigned char *set, size_t n)
{
	static const unsigned char head[] = { 0x94, 0x93, 0xc4, 0x01, 0x00, 0xc4, 0x01, 0x00,
		0xc2, 0xa1, 'x' };
	unsigned char buf[512];
	size_t o = 0;

	assert_true(sizeof(head) + n + 2 <= sizeof(buf));
	memcpy(buf, head, sizeof(head));
	o = sizeof(head);
	memcpy(buf + o, set, n);
	o += n;
	buf[o++] = 0xc4;
	buf[o++] = 0x00;
	return tok_of(buf, o);
}

static void test_vector_caveat_sets(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(caveat_sets) / sizeof(caveat_sets[0]); i++) {
		unsigned char set[256];
		size_t n = b64dec(caveat_sets[i].b64, set, sizeof(set));
		char *tok = wrap_set(set, n);
		fa_token_info *info = decode_ok(tok);
		const fa_caveat *c;

		assert_int_equal(info->macs[0].n_caveats, 1);
		c = &info->macs[0].caveats[0];
		if (set[1] < 32) {
			assert_int_equal(c->type, set[1]);
			assert_true(c->known);
			assert_string_equal(fa_caveat_name(c->type), caveat_sets[i].name);
		} else {
			assert_false(c->known);
			assert_string_equal(fa_caveat_name(c->type), "Unknown");
		}
		free(tok);
		fa_token_info_free(info);
	}
}

/* ---- synthetic tokens: every caveat type --------------------------------------------- */

/* Packs a valid body for type t (0..31). */
static void pack_valid(msgpack_packer *pk, uint64_t t)
{
	static const char *const keys[] = { "k1", "k2" };
	static const uint64_t ids[] = { 5, 6 };
	static const char *const names[] = { "deleteApp" };

	switch (t) {
	case 0: c_org(pk, 1, 31); return;
	case 3: c_apps(pk, ids, 2, 31); return;
	case 2: case 5: case 7: case 14: case 16: case 28: case 29:
		c_strrs(pk, t, keys, 2, 3);
		return;
	case 4: c_vw(pk, NOW - 10, NOW + 10); return;
	case 6: c_mut(pk, names, 1); return;
	case 8: case 9: case 10: c_id1(pk, t, 77); return;
	case 11: c_3p(pk, "https://api.fly.io/aaa/v1", TICKET_B, sizeof(TICKET_B)); return;
	case 12: c_bind(pk); return;
	case 13:
		c_ifp_begin(pk, 1);
		c_u(pk, FA_CAV_ACTION, 1);
		c_ifp_end(pk, 1);
		return;
	case 15:
		msgpack_pack_uint64(pk, t);
		msgpack_pack_array(pk, 1);
		pk_str(pk, "m1");
		return;
	case 19:
		msgpack_pack_uint64(pk, t);
		pk_str(pk, "example.com");
		return;
	case 20: case 21: case 23: case 24: case 26: case 30: c_u(pk, t, 9); return;
	case 22:
		msgpack_pack_uint64(pk, t);
		msgpack_pack_array(pk, 0);
		return;
	case 25:
		msgpack_pack_uint64(pk, t);
		pk_bin(pk, "\x01\x02", 2);
		return;
	case 27:
		msgpack_pack_uint64(pk, t);
		msgpack_pack_array(pk, 1);
		msgpack_pack_array(pk, 2);
		msgpack_pack_array(pk, 1);
		pk_str(pk, "ls");
		msgpack_pack_true(pk);
		return;
	case 31:
		msgpack_pack_uint64(pk, t);
		msgpack_pack_array(pk, 3);
		pk_str(pk, "o");
		pk_str(pk, "a");
		pk_str(pk, "i");
		return;
	default: /* 1, 17, 18: reserved, any body */
		msgpack_pack_uint64(pk, t);
		msgpack_pack_array(pk, 2);
		pk_str(pk, "x");
		msgpack_pack_uint64(pk, 1);
		return;
	}
}

static void test_every_caveat_type(void **state)
{
	uint64_t t;
	(void)state;

	for (t = 0; t < 32; t++) {
		tb b;
		char *tok, *bad;
		fa_token_info *info;
		const fa_caveat *c;
		char err[256] = "";
		bool reserved = t == 1 || t == 17 || t == 18;

		tb_init(&b);
		mac_begin(&b, "https://api.fly.io/v1", false, NULL, 0, 1);
		pack_valid(&b.pk, t);
		tok = mac_end(&b);
		info = decode_ok(tok);
		c = &info->macs[0].caveats[0];
		assert_int_equal(c->type, t);
		assert_int_equal(c->known, !reserved);
		assert_int_equal(info->n_unknown, reserved ? 1 : 0);
		switch (t) {
		case 0: assert_int_equal(info->org_id, 1); break;
		case 3: assert_true(info->apps_restricted); assert_int_equal(info->n_apps, 2); break;
		case 4: assert_int_equal(c->not_after, NOW + 10); break;
		case 5: assert_int_equal(info->features.n, 2); break;
		case 7: assert_true(info->machines_restricted); break;
		case 2: assert_true(info->volumes_restricted); break;
		case 13:
			assert_int_equal(c->n_ifs, 1);
			assert_int_equal(c->ifs[0].type, FA_CAV_ACTION);
			assert_true(info->has_else);
			break;
		case 19: assert_string_equal(c->strs[0], "example.com"); break;
		case 26: assert_int_equal(info->access, 9); break;
		case 27: assert_string_equal(c->cmds[0].args[0], "ls"); break;
		default: break;
		}
		fa_token_info_free(info);
		free(tok);

		/* the wrong body (a bool) is an error for every known type */
		tb_init(&b);
		mac_begin(&b, "https://api.fly.io/v1", false, NULL, 0, 1);
		msgpack_pack_uint64(&b.pk, t);
		msgpack_pack_true(&b.pk);
		bad = mac_end(&b);
		if (reserved) {
			assert_int_equal(decode_rc(bad, strlen(bad), err, sizeof(err)), 0);
		} else {
			assert_int_equal(decode_rc(bad, strlen(bad), err, sizeof(err)), FA_MAC_ESHAPE);
			assert_non_null(strstr(err, fa_caveat_name(t)));
		}
		free(bad);
		msgpack_sbuffer_destroy(&b.sb);
	}
}

/* Hand-written bytes: integer widths, str/bin, nil. */
static int decode_bytes(const unsigned char *p, size_t n, fa_token_info **out, char *err,
	size_t errlen)
{
	char *tok = tok_of(p, n);
	int rc = fa_macaroon_decode(tok, strlen(tok), NOW, out, err, errlen);

	free(tok);
	return rc;
}

/* macaroon with the given caveat-set bytes (after the header) */
static int decode_set_bytes(const unsigned char *set, size_t n, fa_token_info **out)
{
	unsigned char buf[1 << 16];
	static const unsigned char head[] = { 0x94, 0x93, 0xc4, 0x01, 0x00, 0xc4, 0x01, 0x00,
		0xc2, 0xa1, 'x' };
	char err[256] = "";
	size_t o = sizeof(head);
	int rc;

	assert_true(n + o + 2 <= sizeof(buf));
	memcpy(buf, head, o);
	memcpy(buf + o, set, n);
	o += n;
	buf[o++] = 0xc4;
	buf[o++] = 0x00;
	*out = NULL;
	rc = decode_bytes(buf, o, out, err, sizeof(err));
	if (rc) {
		assert_true(err[0] != '\0');
		assert_null(*out);
	}
	return rc;
}

static void test_int_widths_and_str_bin(void **state)
{
	static const struct {
		unsigned char b[24];
		size_t n;
	} orgs[] = {
		{ { 0x92, 0x00, 0x92, 0xcc, 0x7b, 0xcc, 0x1f }, 7 },
		{ { 0x92, 0x00, 0x92, 0xcd, 0x00, 0x7b, 0xcd, 0x00, 0x1f }, 9 },
		{ { 0x92, 0x00, 0x92, 0xce, 0, 0, 0, 0x7b, 0xce, 0, 0, 0, 0x1f }, 13 },
		{ { 0x92, 0x00, 0x92, 0xcf, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xcf, 0, 0, 0, 0, 0, 0, 0, 0x1f },
			21 },
		{ { 0x92, 0x00, 0x92, 0xd0, 0x7b, 0xd1, 0x00, 0x1f }, 8 },
		{ { 0x92, 0xcf, 0, 0, 0, 0, 0, 0, 0, 0, 0x92, 0xd2, 0, 0, 0, 0x7b, 0x1f }, 17 },
	};
	fa_token_info *info = NULL;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(orgs) / sizeof(orgs[0]); i++) {
		assert_int_equal(decode_set_bytes(orgs[i].b, orgs[i].n, &info), 0);
		assert_int_equal(info->macs[0].caveats[0].type, 0);
		assert_int_equal(info->org_id, 123);
		assert_int_equal(info->access, 31);
		fa_token_info_free(info);
	}
	/* a negative org id is not an id */
	{
		static const unsigned char neg[] = { 0x92, 0x00, 0x92, 0xd0, 0x85, 0x1f };

		assert_int_equal(decode_set_bytes(neg, sizeof(neg), &info), FA_MAC_ESHAPE);
	}
	/* validity window: negative, int64, uint64 beyond INT64_MAX (clamped) */
	{
		static const unsigned char vw[] = { 0x92, 0x04, 0x92, 0xd3, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0x00, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		assert_int_equal(decode_set_bytes(vw, sizeof(vw), &info), 0);
		assert_int_equal(info->not_before, -256);
		assert_true(info->expires_at == INT64_MAX);
		fa_token_info_free(info);
	}
	/* str or bin: mutation names and resource keys as bin, location as bin */
	{
		static const unsigned char s[] = { 0x94, 0x06, 0x91, 0x91, 0xc4, 0x03, 'f', 'o', 'o',
			0x05, 0x91, 0x81, 0xc4, 0x02, 'w', 'g', 0x1f };

		assert_int_equal(decode_set_bytes(s, sizeof(s), &info), 0);
		assert_string_equal(info->mutations[0], "foo");
		assert_string_equal(info->features.items[0].key, "wg");
		fa_token_info_free(info);
	}
	{
		static const unsigned char m[] = { 0x94, 0x92, 0xc4, 0x01, 0x00, 0xc4, 0x01, 0x00,
			0xc4, 0x15, 'h', 't', 't', 'p', 's', ':', '/', '/', 'a', 'p', 'i', '.', 'f', 'l',
			'y', '.', 'i', 'o', '/', 'v', '1', 0x90, 0xc0 };
		char err[128];

		/* legacy 2-field nonce, bin location, nil tail */
		assert_int_equal(decode_bytes(m, sizeof(m), &info, err, sizeof(err)), 0);
		assert_true(info->macs[0].legacy_nonce);
		assert_false(info->macs[0].proof);
		assert_int_equal(info->macs[0].role, FA_MAC_ROLE_PERMISSION);
		fa_token_info_free(info);
	}
	/* nil where bytes/sets are allowed: IfPresent ifs nil, Apps map nil, GoogleUserID nil */
	{
		static const unsigned char s[] = { 0x96, 0x0d, 0x92, 0xc0, 0x01, 0x03, 0x91, 0xc0,
			0x19, 0xc0 };

		assert_int_equal(decode_set_bytes(s, sizeof(s), &info), 0);
		assert_int_equal(info->macs[0].caveats[0].n_ifs, 0);
		assert_true(info->apps_restricted);
		assert_int_equal(info->n_apps, 0);
		fa_token_info_free(info);
	}
	/* an empty (or nil) mutation list allows no mutation (found by the fuzzer) */
	{
		static const unsigned char s[] = { 0x94, 0x06, 0x91, 0x90, 0x06, 0x91, 0xc0 };

		assert_int_equal(decode_set_bytes(s, sizeof(s), &info), 0);
		assert_true(info->mutations_restricted);
		assert_int_equal(info->n_mutations, 0);
		fa_token_info_free(info);
	}
	/* trailing bytes after the macaroon are tolerated, like Go */
	{
		static const unsigned char m[] = { 0x94, 0x93, 0xc4, 0x00, 0xc4, 0x00, 0xc2, 0xa0,
			0x90, 0xc4, 0x00, 0x01, 0x02 };
		char err[128];

		assert_int_equal(decode_bytes(m, sizeof(m), &info, err, sizeof(err)), 0);
		fa_token_info_free(info);
	}
}

/* ---- envelope ------------------------------------------------------------------------ */

static void test_envelope(void **state)
{
	const char *org = strstr(find_vec("Organization"), "fm2_");
	static const struct {
		const char *pre, *post;
		bool relabel;
	} forms[] = {
		{ "Bearer FlyV1 ", "", false }, { "FlyV1 Bearer ", "", false },
		{ "BEARER FLYV1 ", "", false }, { "bearer ", "", false }, { "", "", false },
		{ "  FlyV1 \t ", " \r\n", false }, { "flyv1 fm1r_", "", true },
		{ "FlyV1 fm1a_", "", true }, { "FlyV1 ,", ",, ", false },
	};
	char hdr[1024], err[256];
	size_t i;
	fa_token_info *info = NULL;
	(void)state;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(hdr, sizeof(hdr), "%s%s%s", forms[i].pre, forms[i].relabel ? org + 4 : org,
			forms[i].post);
		info = decode_ok(hdr);
		assert_int_equal(info->n_macs, 1);
		assert_int_equal(info->org_id, 123);
		if (forms[i].relabel)
			assert_string_equal(info->macs[0].label, strstr(forms[i].pre, "fm1r") ? "fm1r" : "fm1a");
		fa_token_info_free(info);
	}
	/* two tokens with spaces around the comma */
	snprintf(hdr, sizeof(hdr), "FlyV1 %s , %s", org, strstr(find_vec("Mutations"), "fm2_"));
	info = decode_ok(hdr);
	assert_int_equal(info->n_macs, 2);
	assert_int_equal(info->n_opaque, 0);
	fa_token_info_free(info);
	/* opaque tokens */
	info = decode_ok("fo1_abcdefABCDEF0123456789");
	assert_int_equal(info->kind, FA_TOKEN_KIND_USER);
	assert_int_equal(info->n_opaque, 1);
	fa_token_info_free(info);
	info = decode_ok("Bearer 0123456789abcdef0123456789abcdef");
	assert_int_equal(info->kind, FA_TOKEN_KIND_USER);
	fa_token_info_free(info);
	snprintf(hdr, sizeof(hdr), "FlyV1 fo1_xyz,%s", org);
	info = decode_ok(hdr);
	assert_int_equal(info->kind, FA_TOKEN_KIND_MACAROON);
	assert_int_equal(info->n_opaque, 1);
	fa_token_info_free(info);
	/* nothing there */
	assert_int_equal(decode_rc("", 0, err, sizeof(err)), FA_MAC_EEMPTY);
	assert_int_equal(decode_rc("FlyV1", 5, err, sizeof(err)), FA_MAC_EEMPTY);
	assert_int_equal(decode_rc("Bearer FlyV1 , ,", 16, err, sizeof(err)), FA_MAC_EEMPTY);
	assert_int_equal(decode_rc(" \n", 2, err, sizeof(err)), FA_MAC_EEMPTY);
	/* blank or broken pieces */
	assert_int_equal(decode_rc("FlyV1 fm2_", 10, err, sizeof(err)), FA_MAC_EFORMAT);
	assert_int_equal(decode_rc("fm2_lJPE QQ==", 13, err, sizeof(err)), FA_MAC_EFORMAT);
	assert_int_equal(decode_rc("fm2_ab\x01=", 8, err, sizeof(err)), FA_MAC_EFORMAT);
	assert_int_equal(decode_rc("fm2_lJPE\0QQ==", 13, err, sizeof(err)), FA_MAC_EFORMAT);
	/* NULL arguments */
	assert_int_equal(fa_macaroon_decode(NULL, 0, NOW, &info, err, sizeof(err)), FA_MAC_EARG);
	assert_int_equal(fa_macaroon_decode("x", 1, NOW, NULL, NULL, 0), FA_MAC_EARG);
}

static void test_bad_base64(void **state)
{
	const char *org = strstr(find_vec("Organization"), "fm2_"); /* ends in "==" */
	char hdr[512], err[256];
	size_t n = strlen(org), i;
	unsigned char out[8];
	size_t outlen = 0;
	static const char *const bad[] = { "A", "AB", "ABC", "AB=C", "A===", "====", "AB-_",
		"AB*=", "AB==AB==", "QR==", "QUJ=", " QQ=", "QQ=\n" };
	(void)state;

	/* padding removed, one '=' removed */
	snprintf(hdr, sizeof(hdr), "%.*s", (int)(n - 2), org);
	assert_int_equal(decode_rc(hdr, strlen(hdr), err, sizeof(err)), FA_MAC_EFORMAT);
	snprintf(hdr, sizeof(hdr), "%.*s", (int)(n - 1), org);
	assert_int_equal(decode_rc(hdr, strlen(hdr), err, sizeof(err)), FA_MAC_EFORMAT);
	/* url-safe alphabet */
	snprintf(hdr, sizeof(hdr), "%s", org);
	for (i = 4; hdr[i]; i++) {
		if (hdr[i] == '+')
			hdr[i] = '-';
		if (hdr[i] == '/')
			hdr[i] = '_';
	}
	assert_int_equal(decode_rc(hdr, strlen(hdr), err, sizeof(err)), FA_MAC_EFORMAT);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fa_base64_decode_strict(bad[i], strlen(bad[i]), out, sizeof(out),
					 &outlen), FA_MAC_EFORMAT);
	assert_int_equal(fa_base64_decode_strict("QQ==", 4, out, sizeof(out), &outlen), 0);
	assert_int_equal(outlen, 1);
	assert_int_equal(out[0], 'A');
	assert_int_equal(fa_base64_decode_strict("QUJD", 4, out, sizeof(out), &outlen), 0);
	assert_int_equal(outlen, 3);
	/* output too small */
	assert_int_equal(fa_base64_decode_strict("QUJDQUJD", 8, out, 4, &outlen), FA_MAC_EFORMAT);
}

/* ---- hostile input ------------------------------------------------------------------- */

static void test_truncation_every_byte(void **state)
{
	unsigned char raw[1024];
	const char *first = strstr(with_tps, "fm2_");
	char *tok = strndup(first, (size_t)(strchr(first, ',') - first));
	size_t n = b64dec(tok + 4, raw, sizeof(raw)), cut, hl = strlen(with_tps);
	char err[256];
	(void)state;

	/* every proper prefix of the msgpack fails cleanly */
	for (cut = 0; cut < n; cut++) {
		fa_token_info *info = NULL;
		int rc;

		if (cut == 0)
			continue; /* empty payload: covered by "fm2_" */
		rc = decode_bytes(raw, cut, &info, err, sizeof(err));
		assert_true(rc == FA_MAC_EMSGPACK || rc == FA_MAC_ESHAPE);
		assert_null(info);
	}
	/* every prefix of the header text: never a crash, always a verdict */
	for (cut = 0; cut <= hl; cut++) {
		char *h = strndup(with_tps, cut);

		err[0] = '\0';
		(void)decode_rc(h, cut, err, sizeof(err));
		free(h);
	}
	free(tok);
}

static void test_hostile_shapes(void **state)
{
	static const struct {
		const char *what;
		unsigned char b[40];
		size_t n;
		int rc;
	} cases[] = {
		{ "nil", { 0xc0 }, 1, FA_MAC_ESHAPE },
		{ "3 fields", { 0x93, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x90 }, 9, FA_MAC_ESHAPE },
		{ "5 fields", { 0x95, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x90, 0xc4, 0, 0xc0 }, 12,
			FA_MAC_ESHAPE },
		{ "nonce of 4", { 0x94, 0x94, 0xc4, 0, 0xc4, 0, 0xc2, 0xc2, 0xa0, 0x90, 0xc4, 0 }, 12,
			FA_MAC_ESHAPE },
		{ "nonce of 1", { 0x94, 0x91, 0xc4, 0, 0xa0, 0x90, 0xc4, 0 }, 8, FA_MAC_ESHAPE },
		{ "proof not bool", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0x01, 0xa0, 0x90, 0xc4, 0 }, 11,
			FA_MAC_ESHAPE },
		{ "kid int", { 0x94, 0x93, 0x01, 0xc4, 0, 0xc2, 0xa0, 0x90, 0xc4, 0 }, 10,
			FA_MAC_ESHAPE },
		{ "location int", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0x05, 0x90, 0xc4, 0 }, 11,
			FA_MAC_ESHAPE },
		{ "caveats map", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x80, 0xc4, 0 }, 11,
			FA_MAC_ESHAPE },
		{ "odd caveats", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x93, 0x1a, 0x01, 0x1a,
			0xc4, 0 }, 14, FA_MAC_ESHAPE },
		{ "type str", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0xa1, 'a', 0x01, 0xc4,
			0 }, 14, FA_MAC_ESHAPE },
		{ "type negative", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0xff, 0x01, 0xc4,
			0 }, 13, FA_MAC_ESHAPE },
		{ "tail int", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x90, 0x01 }, 10,
			FA_MAC_ESHAPE },
		{ "array32 huge", { 0xdd, 0xff, 0xff, 0xff, 0xff }, 5, FA_MAC_EMSGPACK },
		{ "array16 huge", { 0xdc, 0xff, 0xff, 0x01 }, 4, FA_MAC_EMSGPACK },
		{ "map32 huge", { 0xdf, 0x7f, 0xff, 0xff, 0xff, 0x01, 0x01 }, 7, FA_MAC_EMSGPACK },
		{ "bin32 huge", { 0x94, 0x93, 0xc6, 0xff, 0xff, 0xff, 0xff }, 7, FA_MAC_EMSGPACK },
		{ "str32 huge", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xdb, 0x80, 0, 0, 0 }, 12,
			FA_MAC_EMSGPACK },
		{ "ext32 huge", { 0xc9, 0xff, 0xff, 0xff, 0xff, 0x01 }, 6, FA_MAC_EMSGPACK },
		{ "never used", { 0xc1 }, 1, FA_MAC_EMSGPACK },
		{ "truncated int", { 0x94, 0xcf, 0x01 }, 3, FA_MAC_EMSGPACK },
		{ "float body", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x1a, 0xca, 0, 0, 0,
			0, 0xc4, 0 }, 17, FA_MAC_ESHAPE },
		{ "org of 3", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x00, 0x93, 1, 1, 1,
			0xc4, 0 }, 16, FA_MAC_ESHAPE },
		{ "apps str key", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x03, 0x91, 0x81,
			0xa1, 'a', 0x1f, 0xc4, 0 }, 17, FA_MAC_ESHAPE },
		{ "volumes int key", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x02, 0x91,
			0x81, 0x01, 0x1f, 0xc4, 0 }, 16, FA_MAC_ESHAPE },
		{ "rs mask str", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x03, 0x91, 0x81,
			0x01, 0xa1, 'r', 0xc4, 0 }, 17, FA_MAC_ESHAPE },
		{ "vw str", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x04, 0x92, 0xa0, 0x01,
			0xc4, 0 }, 15, FA_MAC_ESHAPE },
		{ "commands bad", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x1b, 0x91, 0x92,
			0x90, 0xa1, 'x', 0xc4, 0 }, 17, FA_MAC_ESHAPE },
		{ "3p short", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x0b, 0x92, 0xa0, 0xc4,
			0, 0xc4, 0 }, 16, FA_MAC_ESHAPE },
		{ "ifpresent else str", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x0d, 0x92,
			0x90, 0xa1, 'r', 0xc4, 0 }, 16, FA_MAC_ESHAPE },
		{ "ifpresent odd", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x0d, 0x92, 0x91,
			0x1a, 0x01, 0xc4, 0 }, 16, FA_MAC_ESHAPE },
		{ "ismember 1", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x16, 0x91, 0x01,
			0xc4, 0 }, 14, FA_MAC_ESHAPE },
		{ "flysrc of 2", { 0x94, 0x93, 0xc4, 0, 0xc4, 0, 0xc2, 0xa0, 0x92, 0x1f, 0x92, 0xa0,
			0xa0, 0xc4, 0 }, 15, FA_MAC_ESHAPE },
	};
	size_t i;
	char err[256];
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fa_token_info *info = NULL;
		int rc = decode_bytes(cases[i].b, cases[i].n, &info, err, sizeof(err));

		if (rc != cases[i].rc)
			fprintf(stderr, "case '%s': rc %d (%s)\n", cases[i].what, rc, err);
		assert_int_equal(rc, cases[i].rc);
		assert_null(info);
		assert_true(err[0] != '\0');
	}
}

static void test_limits(void **state)
{
	unsigned char *set = malloc(70000);
	fa_token_info *info = NULL;
	char *hdr = NULL, err[256];
	size_t o, i;
	int depth;
	(void)state;

	assert_non_null(set);
	/* FA_MAC_MAX_CAVEATS IsMember caveats pass, one more does not */
	for (i = FA_MAC_MAX_CAVEATS; i <= FA_MAC_MAX_CAVEATS + 1; i++) {
		size_t k;

		o = 0;
		set[o++] = 0xdc;
		set[o++] = (unsigned char)((2 * i) >> 8);
		set[o++] = (unsigned char)(2 * i);
		for (k = 0; k < i; k++) {
			set[o++] = 0x16;
			set[o++] = 0x90;
		}
		assert_int_equal(decode_set_bytes(set, o, &info),
			i == FA_MAC_MAX_CAVEATS ? 0 : FA_MAC_ELIMIT);
		fa_token_info_free(info);
	}
	/* IfPresent nesting: FA_MAC_MAX_NESTING levels pass, one more does not */
	for (depth = FA_MAC_MAX_NESTING; depth <= FA_MAC_MAX_NESTING + 1; depth++) {
		int k;

		o = 0;
		for (k = 0; k < depth; k++) {
			set[o++] = 0x92; /* caveat set of one */
			set[o++] = 0x0d;
			set[o++] = 0x92; /* [ifs, else] */
		}
		set[o++] = 0x90;
		for (k = 0; k < depth; k++)
			set[o++] = 0x01;
		assert_int_equal(decode_set_bytes(set, o, &info),
			depth == FA_MAC_MAX_NESTING ? 0 : FA_MAC_ELIMIT);
		fa_token_info_free(info);
	}
	/* deep msgpack nesting inside an unknown caveat */
	o = 0;
	set[o++] = 0x92;
	set[o++] = 0x7f;
	for (i = 0; i < 40; i++)
		set[o++] = 0x91;
	set[o++] = 0x00;
	assert_int_equal(decode_set_bytes(set, o, &info), FA_MAC_EMSGPACK);
	/* a resource set of FA_MAC_MAX_RESOURCES + 1 entries */
	o = 0;
	set[o++] = 0x92;
	set[o++] = 0x03;
	set[o++] = 0x91;
	set[o++] = 0xde;
	set[o++] = (unsigned char)((FA_MAC_MAX_RESOURCES + 1) >> 8);
	set[o++] = (unsigned char)(FA_MAC_MAX_RESOURCES + 1);
	for (i = 0; i < FA_MAC_MAX_RESOURCES + 1; i++) {
		set[o++] = 0xcd;
		set[o++] = (unsigned char)(i >> 8);
		set[o++] = (unsigned char)i;
		set[o++] = 0x1f;
	}
	assert_int_equal(decode_set_bytes(set, o, &info), FA_MAC_ELIMIT);
	free(set);

	/* header size and token count */
	hdr = malloc(FA_MAC_MAX_HEADER + 2);
	assert_non_null(hdr);
	memset(hdr, 'a', FA_MAC_MAX_HEADER + 1);
	hdr[FA_MAC_MAX_HEADER + 1] = '\0';
	assert_int_equal(decode_rc(hdr, FA_MAC_MAX_HEADER + 1, err, sizeof(err)), FA_MAC_ELIMIT);
	assert_int_equal(decode_rc(hdr, FA_MAC_MAX_HEADER, err, sizeof(err)), 0); /* opaque */
	for (i = 0; i < 2 * (FA_MAC_MAX_TOKENS + 1); i += 2) {
		hdr[i] = 'x';
		hdr[i + 1] = ',';
	}
	hdr[2 * FA_MAC_MAX_TOKENS - 1] = '\0';
	assert_int_equal(decode_rc(hdr, strlen(hdr), err, sizeof(err)), 0);
	hdr[2 * FA_MAC_MAX_TOKENS - 1] = ',';
	hdr[2 * FA_MAC_MAX_TOKENS + 1] = '\0';
	assert_int_equal(decode_rc(hdr, strlen(hdr), err, sizeof(err)), FA_MAC_ELIMIT);
	free(hdr);
}

/* ---- real token shapes (TOKENS.md section 4), built here ---------------------------- */

static const char AAA[] = "https://api.fly.io/aaa/v1";
static const char API[] = "https://api.fly.io/v1";

/* deploy: Org{4242,rwcdC}, 3P(aaa), IfPresent{[Apps{777}, FeatureSet{builder,wg}], else r} */
static char *deploy_perm(void)
{
	static const uint64_t app[] = { 777 };
	static const char *const feats[] = { "builder", "wg" };
	tb t;

	tb_init(&t);
	mac_begin(&t, API, false, NULL, 0, 3);
	c_org(&t.pk, 4242, 31);
	c_3p(&t.pk, AAA, TICKET_A, sizeof(TICKET_A));
	c_ifp_begin(&t.pk, 2);
	c_apps(&t.pk, app, 1, 31);
	c_strrs(&t.pk, FA_CAV_FEATURE_SET, feats, 2, 31);
	c_ifp_end(&t.pk, 1);
	return mac_end(&t);
}

static void test_shape_deploy(void **state)
{
	char *perm = deploy_perm();
	char *dis = discharge(TICKET_A, sizeof(TICKET_A), NOW - 30, NOW + 3650LL * DAY, 99);
	char *hdr = header2(perm, dis);
	fa_token_info *info = decode_ok(hdr);
	char *txt = NULL, *js = NULL;
	(void)state;

	assert_int_equal(info->kind, FA_TOKEN_KIND_MACAROON);
	assert_int_equal(info->n_macs, 2);
	assert_int_equal(info->macs[0].role, FA_MAC_ROLE_PERMISSION);
	assert_int_equal(info->macs[1].role, FA_MAC_ROLE_DISCHARGE);
	assert_int_equal(info->macs[1].kid_len, 78);
	assert_true(info->has_org);
	assert_int_equal(info->org_id, 4242);
	assert_true(info->apps_restricted);
	assert_int_equal(info->n_apps, 1);
	assert_int_equal(info->apps[0], 777);
	assert_int_equal(info->access, 31);
	assert_false(info->read_only);
	assert_true(info->has_else);
	assert_int_equal(info->else_mask, 1);
	assert_true(info->features_restricted);
	assert_int_equal(info->features.n, 2);
	assert_string_equal(info->features.items[0].key, "builder");
	assert_true(info->has_expiry);
	assert_int_equal(info->expires_at, NOW + 3650LL * DAY);
	assert_int_equal(info->not_before, NOW - 30);
	assert_true(info->has_user);
	assert_int_equal(info->user_id, 99);
	assert_int_equal(info->n_third_party, 1);
	assert_true(info->third_party[0].discharged);
	assert_int_equal(info->n_undischarged, 0);

	txt = text_of(info);
	assert_non_null(strstr(txt, "full access (rwcdC) on org 4242, app 777 only, "
				    "expires in 3650 days.\n"));
	assert_non_null(strstr(txt, "falls back to read-only"));
	assert_non_null(strstr(txt, "Fly user 99"));
	assert_no_token_text(hdr, txt);
	js = json_of(info, NULL);
	assert_no_token_text(hdr, js);
	assert_non_null(strstr(js, "\"apps\":[777]"));
	assert_non_null(strstr(js, "\"expires_at\":\"2033-11-11T22:13:20Z\""));
	assert_non_null(strstr(js, "\"features\":{\"builder\":\"rwcdC\",\"wg\":\"rwcdC\"}"));
	free(txt);
	free(js);
	fa_token_info_free(info);
	free(hdr);
	free(perm);
	free(dis);
}

static void test_shape_readonly(void **state)
{
	tb t;
	char *perm, *dis, *hdr, *txt;
	fa_token_info *info;
	fa_self self;
	(void)state;

	tb_init(&t);
	mac_begin(&t, API, false, NULL, 0, 3);
	c_org(&t.pk, 4242, 31);
	c_3p(&t.pk, AAA, TICKET_A, sizeof(TICKET_A));
	c_org(&t.pk, 4242, 1);
	perm = mac_end(&t);
	dis = discharge(TICKET_A, sizeof(TICKET_A), NOW - 30, NOW + 89LL * DAY + 3600, 5);
	hdr = header2(perm, dis);
	info = decode_ok(hdr);
	assert_true(info->read_only);
	assert_int_equal(info->access, 1);
	assert_false(info->apps_restricted);
	assert_false(info->org_conflict);
	txt = text_of(info);
	assert_string_equal(first_line(txt), "read-only on org 4242, all apps, expires in 89 days.");
	free(txt);
	fa_token_info_free(info);

	assert_int_equal(fa_self_from_token(hdr, NOW, &self), 0);
	assert_int_equal(self.kind, FA_TOKEN_KIND_MACAROON);
	assert_true(self.decoded);
	assert_int_equal(self.read_only, FA_TRI_TRUE);
	assert_int_equal(self.access, 1);
	assert_int_equal(self.org_id, 4242);
	assert_int_equal(self.expires_at, NOW + 89LL * DAY + 3600);
	assert_int_equal(self.n_undischarged, 0);
	assert_null(self.error);

	/* the same permission token without its discharge */
	info = decode_ok(perm);
	assert_int_equal(info->n_undischarged, 1);
	assert_false(info->has_expiry);
	txt = text_of(info);
	assert_non_null(strstr(txt, "no expiry in the token"));
	assert_non_null(strstr(txt, "1 third-party caveat without a discharge (" "https://api.fly.io/aaa/v1"));
	free(txt);
	fa_token_info_free(info);
	free(perm);
	free(dis);
	free(hdr);
}

/* org: Org{4242,rwcdC} + 3P, discharged; and an Organization found only inside IfPresent */
static void test_shape_org(void **state)
{
	tb t;
	char *perm, *dis, *hdr, *txt;
	fa_token_info *info;
	(void)state;

	tb_init(&t);
	mac_begin(&t, API, false, NULL, 0, 2);
	c_org(&t.pk, 4242, 31);
	c_3p(&t.pk, AAA, TICKET_A, sizeof(TICKET_A));
	perm = mac_end(&t);
	dis = discharge(TICKET_A, sizeof(TICKET_A), NOW - 30, NOW + 36500LL * DAY, 8);
	hdr = header2(perm, dis);
	info = decode_ok(hdr);
	assert_int_equal(info->org_id, 4242);
	assert_false(info->apps_restricted);
	assert_false(info->read_only);
	assert_false(info->has_else);
	txt = text_of(info);
	assert_string_equal(first_line(txt),
		"full access (rwcdC) on org 4242, all apps, expires in 36500 days.");
	free(txt);
	fa_token_info_free(info);
	free(perm);
	free(dis);
	free(hdr);

	mac_begin(&t, API, false, NULL, 0, 1);
	c_ifp_begin(&t.pk, 1);
	c_org(&t.pk, 77, 1);
	c_ifp_end(&t.pk, 3);
	perm = mac_end(&t);
	msgpack_sbuffer_destroy(&t.sb);
	info = decode_ok(perm);
	assert_true(info->has_org);
	assert_int_equal(info->org_id, 77);
	assert_int_equal(info->access, 31); /* a nested mask is not the top-level mask */
	assert_int_equal(info->else_mask, 3);
	txt = text_of(info);
	assert_non_null(strstr(txt, "falls back to rw.\n"));
	free(txt);
	fa_token_info_free(info);
	free(perm);
}

static void test_shape_machine_exec(void **state)
{
	tb t;
	char *perm, *txt, *js;
	fa_token_info *info;
	cJSON *root, *cav, *body;
	(void)state;

	tb_init(&t);
	mac_begin(&t, API, false, NULL, 0, 2);
	c_org(&t.pk, 7, 31);
	c_ifp_begin(&t.pk, 1);
	msgpack_pack_uint64(&t.pk, FA_CAV_COMMANDS);
	msgpack_pack_array(&t.pk, 2);
	msgpack_pack_array(&t.pk, 2);
	msgpack_pack_array(&t.pk, 2);
	pk_str(&t.pk, "ls");
	pk_str(&t.pk, "-l");
	msgpack_pack_true(&t.pk);
	msgpack_pack_array(&t.pk, 2);
	msgpack_pack_array(&t.pk, 0);
	msgpack_pack_false(&t.pk);
	c_ifp_end(&t.pk, 1);
	perm = mac_end(&t);
	info = decode_ok(perm);
	assert_int_equal(info->n_commands, 1);
	assert_int_equal(info->commands[0]->n_cmds, 2);
	assert_true(info->commands[0]->cmds[0].exact);
	assert_int_equal(info->commands[0]->cmds[1].n_args, 0);
	txt = text_of(info);
	assert_non_null(strstr(txt, "Machine exec limited to: ls -l (exact); any command.\n"));
	js = json_of(info, NULL);
	root = cJSON_Parse(js);
	assert_non_null(root);
	cav = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "caveats"), 1);
	assert_string_equal(cJSON_GetObjectItem(cav, "name")->valuestring, "IfPresent");
	body = cJSON_GetObjectItem(cav, "body");
	assert_string_equal(cJSON_GetObjectItem(body, "else")->valuestring, "r");
	cav = cJSON_GetArrayItem(cJSON_GetObjectItem(body, "ifs"), 0);
	assert_int_equal(cJSON_GetObjectItem(cav, "type")->valueint, FA_CAV_COMMANDS);
	body = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cav, "body"), "commands"), 0);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(body, "args"), 1)->valuestring, "-l");
	cJSON_Delete(root);
	free(js);
	free(txt);
	fa_token_info_free(info);
	free(perm);
}

/* ssh: two permission tokens (Action r; Mutations) and two discharges: access is the OR,
 * mutations unrestricted (the first token), expiry the earliest not_after. */
static void test_shape_ssh(void **state)
{
	static const char *const muts[] = { "issueCertificate", "addWireGuardPeer" };
	tb t;
	char *a, *b, *d1, *d2, hdr[8192];
	fa_token_info *info;
	(void)state;

	tb_init(&t);
	mac_begin(&t, API, false, NULL, 0, 3);
	c_org(&t.pk, 4242, 31);
	c_3p(&t.pk, AAA, TICKET_A, sizeof(TICKET_A));
	c_u(&t.pk, FA_CAV_ACTION, 1);
	a = mac_end(&t);
	mac_begin(&t, API, false, NULL, 0, 3);
	c_org(&t.pk, 4242, 31);
	c_3p(&t.pk, AAA, TICKET_B, sizeof(TICKET_B));
	c_mut(&t.pk, muts, 2);
	b = mac_end(&t);
	msgpack_sbuffer_destroy(&t.sb);
	d1 = discharge(TICKET_A, sizeof(TICKET_A), NOW - 30, NOW + 10 * DAY, 5);
	d2 = discharge(TICKET_B, sizeof(TICKET_B), NOW - 30, NOW + 3 * DAY, 5);
	snprintf(hdr, sizeof(hdr), "FlyV1 %s,%s,%s,%s", a, b, d1, d2);
	info = decode_ok(hdr);
	assert_int_equal(info->n_macs, 4);
	assert_int_equal(info->access, 31);
	assert_false(info->read_only);
	assert_false(info->mutations_restricted);
	assert_int_equal(info->expires_at, NOW + 3 * DAY);
	assert_int_equal(info->n_undischarged, 0);
	fa_token_info_free(info);

	/* only the Action r token: read-only; only the Mutations token: mutations listed */
	snprintf(hdr, sizeof(hdr), "FlyV1 %s,%s", a, d1);
	info = decode_ok(hdr);
	assert_true(info->read_only);
	fa_token_info_free(info);
	snprintf(hdr, sizeof(hdr), "FlyV1 %s,%s", b, d2);
	info = decode_ok(hdr);
	assert_true(info->mutations_restricted);
	assert_int_equal(info->n_mutations, 2);
	assert_string_equal(info->mutations[0], "addWireGuardPeer");
	fa_token_info_free(info);
	free(a);
	free(b);
	free(d1);
	free(d2);
}

static void test_apps_semantics(void **state)
{
	static const uint64_t a123[] = { 1, 2, 3 }, a234[] = { 4, 3, 2 }, wild[] = { 0 };
	tb t;
	char *tok;
	fa_token_info *info;
	char *js;
	(void)state;

	/* intersection over Apps caveats, top-level and inside IfPresent */
	tb_init(&t);
	mac_begin(&t, API, false, NULL, 0, 3);
	c_apps(&t.pk, a123, 3, 31);
	c_ifp_begin(&t.pk, 1);
	c_apps(&t.pk, a234, 3, 1);
	c_ifp_end(&t.pk, 0);
	c_apps(&t.pk, wild, 1, 31); /* any app: restricts nothing */
	tok = mac_end(&t);
	info = decode_ok(tok);
	assert_true(info->apps_restricted);
	assert_int_equal(info->n_apps, 2);
	assert_int_equal(info->apps[0], 2);
	assert_int_equal(info->apps[1], 3);
	js = json_of(info, NULL);
	assert_non_null(strstr(js, "\"apps\":[2,3]"));
	free(js);
	fa_token_info_free(info);
	free(tok);

	/* wildcard only: unrestricted; empty map: no app at all */
	mac_begin(&t, API, false, NULL, 0, 1);
	c_apps(&t.pk, wild, 1, 31);
	tok = mac_end(&t);
	info = decode_ok(tok);
	assert_false(info->apps_restricted);
	js = json_of(info, NULL);
	assert_non_null(strstr(js, "\"apps\":null"));
	free(js);
	fa_token_info_free(info);
	free(tok);
	mac_begin(&t, API, false, NULL, 0, 1);
	c_apps(&t.pk, NULL, 0, 31);
	tok = mac_end(&t);
	info = decode_ok(tok);
	assert_true(info->apps_restricted);
	assert_int_equal(info->n_apps, 0);
	js = json_of(info, NULL);
	assert_non_null(strstr(js, "\"apps\":[]"));
	free(js);
	fa_token_info_free(info);
	free(tok);

	/* two different orgs: the token can never work; org 0 is "any org" */
	mac_begin(&t, API, false, NULL, 0, 3);
	c_org(&t.pk, 0, 31);
	c_org(&t.pk, 1, 31);
	c_org(&t.pk, 2, 3);
	tok = mac_end(&t);
	info = decode_ok(tok);
	assert_int_equal(info->org_id, 1);
	assert_true(info->org_conflict);
	assert_int_equal(info->access, 3);
	fa_token_info_free(info);
	free(tok);
	msgpack_sbuffer_destroy(&t.sb);
}

/* ---- outputs ------------------------------------------------------------------------- */

static void test_json_fields(void **state)
{
	static const char *const keys[] = { "kind", "org_id", "apps", "access", "read_only",
		"not_before", "expires_at", "expired", "user_id", "features", "mutations",
		"third_party", "caveats", "api" };
	char *perm = deploy_perm();
	char *dis = discharge(TICKET_A, sizeof(TICKET_A), NOW - 100 * DAY, NOW - DAY, 99);
	char *hdr = header2(perm, dis);
	fa_token_info *info = decode_ok(hdr);
	char *js = json_of(info, " {\"org\":\"acme\"}\n");
	cJSON *root = cJSON_Parse(js), *it;
	size_t i = 0;
	(void)state;

	assert_non_null(root);
	for (it = root->child; it; it = it->next, i++) {
		assert_true(i < sizeof(keys) / sizeof(keys[0]));
		assert_string_equal(it->string, keys[i]);
	}
	assert_int_equal(i, sizeof(keys) / sizeof(keys[0]));
	assert_string_equal(cJSON_GetObjectItem(root, "kind")->valuestring, "macaroon");
	assert_int_equal(cJSON_GetObjectItem(root, "org_id")->valuedouble, 4242);
	assert_string_equal(cJSON_GetObjectItem(root, "access")->valuestring, "rwcdC");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(root, "read_only")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "expired")));
	assert_string_equal(cJSON_GetObjectItem(root, "not_before")->valuestring,
		"2023-08-06T22:13:20Z");
	assert_int_equal(cJSON_GetObjectItem(root, "user_id")->valuedouble, 99);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "mutations")));
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "third_party"), 0);
	assert_string_equal(cJSON_GetObjectItem(it, "location")->valuestring, AAA);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(it, "discharged")));
	/* 3 permission caveats + 4 discharge caveats */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "caveats")), 7);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "api"), "org")->valuestring,
		"acme");
	assert_no_token_text(hdr, js);
	/* nothing of the tail, nonce or tickets either: no long hex or base64 blobs */
	assert_null(strstr(js, "aaaa"));
	cJSON_Delete(root);
	free(js);

	/* expired in the text */
	js = text_of(info);
	assert_non_null(strstr(js, "EXPIRED 24 hours ago"));
	free(js);

	/* api that is not an object: null */
	js = json_of(info, "[1]");
	assert_non_null(strstr(js, "\"api\":null}"));
	free(js);
	fa_token_info_free(info);

	/* user and unknown */
	info = decode_ok("fo1_secretsecretsecretsecret");
	js = json_of(info, NULL);
	assert_string_equal(js, "{\"kind\":\"user\",\"org_id\":null,\"apps\":null,\"access\":null,"
		"\"read_only\":false,\"not_before\":null,\"expires_at\":null,\"expired\":false,"
		"\"user_id\":null,\"features\":null,\"mutations\":null,\"third_party\":[],"
		"\"caveats\":[],\"api\":null}");
	free(js);
	js = text_of(info);
	assert_non_null(strstr(js, "user token"));
	assert_null(strstr(js, "secret"));
	free(js);
	fa_token_info_free(info);
	js = json_of(NULL, NULL);
	assert_non_null(strstr(js, "{\"kind\":\"unknown\""));
	free(js);
	free(hdr);
	free(perm);
	free(dis);
}

/* Hostile strings in caveats are escaped in JSON and made printable in text. */
static void test_output_escaping(void **state)
{
	static const char *const muts[] = { "a\"b\\c\n\x01\xff\xc3\xa9" };
	tb t;
	char *tok, *js, *txt;
	fa_token_info *info;
	cJSON *root;
	(void)state;

	tb_init(&t);
	mac_begin(&t, "loc\"\n", false, NULL, 0, 2);
	c_mut(&t.pk, muts, 1);
	c_3p(&t.pk, "evil\x1b[31m", TICKET_B, sizeof(TICKET_B));
	tok = mac_end(&t);
	msgpack_sbuffer_destroy(&t.sb);
	info = decode_ok(tok);
	js = json_of(info, NULL);
	root = cJSON_Parse(js);
	assert_non_null(root);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "mutations"), 0)->valuestring,
		"a\"b\\c\n\x01\xef\xbf\xbd\xc3\xa9");
	cJSON_Delete(root);
	txt = text_of(info);
	assert_null(strchr(txt, '\x1b'));
	assert_null(strchr(txt, '\x01'));
	free(txt);
	free(js);
	fa_token_info_free(info);
	free(tok);
}

static void test_self_and_helpers(void **state)
{
	fa_self self;
	char ab[40];
	(void)state;

	assert_int_equal(fa_self_from_token("fo1_abcdef", NOW, &self), 0);
	assert_int_equal(self.kind, FA_TOKEN_KIND_USER);
	assert_false(self.decoded);
	assert_int_equal(self.read_only, FA_TRI_FALSE);
	assert_int_equal(self.org_id, -1);
	assert_null(self.error);

	assert_true(fa_self_from_token("FlyV1 fm2_lJPE!!!!", NOW, &self) < 0);
	assert_int_equal(self.kind, FA_TOKEN_KIND_UNKNOWN);
	assert_false(self.decoded);
	assert_int_equal(self.read_only, FA_TRI_UNKNOWN);
	assert_non_null(self.error);
	assert_null(strchr(self.error, '\n'));
	assert_null(strstr(self.error, "lJPE"));
	free(self.error);

	assert_string_equal(fa_access_string(0, ab, sizeof(ab)), "none");
	assert_string_equal(fa_access_string(31, ab, sizeof(ab)), "rwcdC");
	assert_string_equal(fa_access_string(5, ab, sizeof(ab)), "rc");
	assert_string_equal(fa_access_string(0xffff, ab, sizeof(ab)), "rwcdC+0xffe0");
	assert_string_equal(fa_caveat_name(13), "IfPresent");
	assert_string_equal(fa_caveat_name(1000), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_decode),
		cmocka_unit_test(test_vectors_verify),
		cmocka_unit_test(test_vectors_with_tps),
		cmocka_unit_test(test_vectors_attenuation),
		cmocka_unit_test(test_vector_caveat_sets),
		cmocka_unit_test(test_every_caveat_type),
		cmocka_unit_test(test_int_widths_and_str_bin),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_bad_base64),
		cmocka_unit_test(test_truncation_every_byte),
		cmocka_unit_test(test_hostile_shapes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_shape_deploy),
		cmocka_unit_test(test_shape_readonly),
		cmocka_unit_test(test_shape_org),
		cmocka_unit_test(test_shape_machine_exec),
		cmocka_unit_test(test_shape_ssh),
		cmocka_unit_test(test_apps_semantics),
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_output_escaping),
		cmocka_unit_test(test_self_and_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
