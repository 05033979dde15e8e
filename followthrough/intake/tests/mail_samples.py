"""Sample material the mail tests and the mail benchmark build their messages from."""

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
WORDS = [
    "the",
    "printer",
    "router",
    "vpn",
    "tunnel",
    "drops",
    "after",
    "resume",
    "error",
    "code",
    "install",
    "update",
    "license",
    "server",
    "client",
    "timeout",
    "certificate",
    "expired",
    "please",
    "help",
    "since",
    "monday",
    "again",
    "restart",
    "logs",
    "attached",
    "firmware",
    "version",
    "customer",
    "site",
    "office",
    "remote",
    "users",
    "cannot",
    "connect",
    "slow",
]
