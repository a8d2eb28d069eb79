#!/usr/bin/env bash
# Start a private Dovecot IMAP server for the tests; print the variables the tests read.
#   eval "$(scripts/dovecot-test.sh start)"    ...    scripts/dovecot-test.sh stop "$DIR"
# Installs dovecot-core and dovecot-imapd from Debian when they are missing.
set -euo pipefail

command="${1:-start}"
if [ "$command" = "stop" ]; then
  dir="${2:?directory}"
  if [ -f "$dir/run/master.pid" ]; then kill "$(cat "$dir/run/master.pid")" 2>/dev/null || true; fi
  exit 0
fi

if ! command -v dovecot >/dev/null || [ ! -e /usr/lib/dovecot/imap ]; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq -o DPkg::Lock::Timeout=300 &&
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 dovecot-core dovecot-imapd
  } > /tmp/ecmp-dovecot-apt.log 2>&1 || { cat /tmp/ecmp-dovecot-apt.log >&2; exit 1; }
fi

port="${ECMP_TEST_IMAP_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
dir="$(mktemp -d /tmp/ecmp-dovecot-XXXXXX)"
chmod 755 "$dir"
mkdir -p "$dir/run" "$dir/state" "$dir/mail"
chown 65534:65534 "$dir/mail"
user="support@ecmp.localhost"
password="imap-test-$$"
echo "$user:{PLAIN}$password:65534:65534::$dir/mail/$user::" > "$dir/users"
chmod 644 "$dir/users"
cat > "$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
instance_name = ecmp-test-$$
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Archive {
    auto = create
    special_use = \\Archive
  }
}
CONF
dovecot -c "$dir/dovecot.conf"
for _ in $(seq 1 50); do
  if python3 - "$port" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
assert s.recv(100).startswith(b"* OK")
PY
  then
    echo "export ECMP_TEST_IMAP_HOST=127.0.0.1 ECMP_TEST_IMAP_PORT=$port ECMP_TEST_IMAP_USER=$user ECMP_TEST_IMAP_PASSWORD=$password ECMP_TEST_IMAP_DIR=$dir"
    exit 0
  fi
  sleep 0.2
done
echo "Dovecot did not start; see $dir/dovecot.log" >&2
exit 1
