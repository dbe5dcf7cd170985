# SMS for the demo: a real Kannel 1.4.5 on loopback (bearerbox, smsbox, and
# fakesmsc from kannel-extras standing for the citizens' phones) and
# proactive-sms-kannel between it and proactived. Sourced by demo.sh; the
# configuration follows tests/connectors/kannel_loopback.cc (free ports,
# every listener on 127.0.0.1).
#
#   SMS_DIR=var/demo/kannel; start_sms_gateway "$PROACTIVE_SERVER"
#   wait_for_sms +33639980002 maternelle && show_sms +33639980002 maternelle
#   phone_answers +33639980002 "OUI K7X2"
#   stop_sms_gateway   # connector, fakesmsc, smsbox, bearerbox

SMS_FROM=38000
FAKESMSC=/usr/lib/kannel/test/fakesmsc
SMS_PIDS=()

# Sets variable $1 to a TCP port nothing listens on (nor was handed out
# here) on 127.0.0.1.
SMS_PORTS_TAKEN=" "
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    [[ "$SMS_PORTS_TAKEN" == *" $port "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    SMS_PORTS_TAKEN+="$port "
    printf -v "$1" '%s' "$port"
    return
  done
}

# Waits up to $2 seconds for command $1 (evaluated) to succeed.
wait_until() {
  local i
  for i in $(seq 1 $(($2 * 10))); do eval "$1" && return 0; sleep 0.1; done
  return 1
}

write_kannel_conf() {
  cat >"$SMS_DIR/kannel.conf" <<EOF
# Written by deploy/local/sms.sh: Kannel for the demo, loopback only.
group = core
admin-port = $ADMIN_PORT
admin-interface = 127.0.0.1
admin-password = demo-admin
status-password = demo-status
admin-allow-ip = "127.0.0.1"
admin-deny-ip = "*.*.*.*"
smsbox-port = $SMSBOX_PORT
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
box-deny-ip = "*.*.*.*"
log-file = "bearerbox.log"
log-level = 1
access-log = "access.log"
access-log-clean = true
access-log-format = "%t %l [SMSC:%i] [SVC:%n] [ACT:%A] [BINF:%B] [FID:%F] [ID:%I] [ts:%T] [from:%p] [to:%P] [flags:%m:%c:%M:%C:%d] [msg:%L:%b] [udh:%U:%u]"
store-type = file
store-location = "kannel.store"
dlr-storage = internal

# The operator's SMS centre, played by fakesmsc.
group = smsc
smsc = fake
smsc-id = FAKE
port = $SMSC_PORT
our-host = 127.0.0.1
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = $SENDSMS_PORT
sendsms-interface = 127.0.0.1
log-file = "smsbox.log"
log-level = 2
http-request-retry = 5
http-queue-delay = 2

group = sendsms-user
username = proactive
password = $KANNEL_SENDSMS_PASSWORD
concatenation = true
max-messages = 6

# Citizens' answers go to the connector; its answer body goes back to them.
group = sms-service
keyword = default
catch-all = true
get-url = "http://127.0.0.1:$CONNECTOR_PORT/mo?from=%p&to=%P&text=%a&smsc=%i&id=%I&ts=%T&coding=%c"
max-messages = 1
omit-empty = true
EOF
}

# Starts Kannel and the connector in $SMS_DIR against the engine at $1.
start_sms_gateway() {
  rm -rf "$SMS_DIR" && mkdir -p "$SMS_DIR"
  local name
  for name in ADMIN_PORT SMSBOX_PORT SENDSMS_PORT SMSC_PORT CONNECTOR_PORT; do free_port "$name"; done
  export KANNEL_SENDSMS_PASSWORD="demo-$RANDOM$RANDOM"
  write_kannel_conf
  (cd "$SMS_DIR" && exec /usr/sbin/bearerbox -v 2 kannel.conf >bearerbox.out 2>&1) &
  SMS_PIDS+=($!)
  wait_until "(exec 3<>/dev/tcp/127.0.0.1/$SMSC_PORT) 2>/dev/null" 30 || sms_failed bearerbox
  # fakesmsc reads the phones' answers, one per line, from a pipe we hold open.
  mkfifo "$SMS_DIR/phones"
  (cd "$SMS_DIR" && exec "$FAKESMSC" -H 127.0.0.1 -r "$SMSC_PORT" -v 0 <phones >fakesmsc.out 2>&1) &
  SMS_PIDS+=($!)
  exec 7>"$SMS_DIR/phones"
  wait_until "grep -q 'Fakesmsc client connected' '$SMS_DIR/bearerbox.log'" 30 || sms_failed fakesmsc
  (cd "$SMS_DIR" && exec /usr/sbin/smsbox -v 2 kannel.conf >smsbox.out 2>&1) &
  SMS_PIDS+=($!)
  wait_until "(exec 3<>/dev/tcp/127.0.0.1/$SENDSMS_PORT) 2>/dev/null" 30 || sms_failed smsbox
  "$BUILD_DIR/connectors/sms-kannel/proactive-sms-kannel" --server="$1" \
    --sendsms_url="http://127.0.0.1:$SENDSMS_PORT/cgi-bin/sendsms" --kannel_user=proactive \
    --from="$SMS_FROM" --smsc=FAKE --listen="127.0.0.1:$CONNECTOR_PORT" \
    --journal="$SMS_DIR/sms-kannel.journal" --ready_file="$SMS_DIR/sms-kannel.ready" \
    --idle_wait=200ms --report_interval=10m >>"$SMS_DIR/sms-kannel.log" 2>&1 &
  SMS_PIDS+=($!)
  wait_until "[ -s '$SMS_DIR/sms-kannel.ready' ]" 30 || sms_failed proactive-sms-kannel
}

sms_failed() {
  echo "$1 did not start; see ${SMS_DIR#$ROOT/}/" >&2
  exit 1
}

# SIGTERM in reverse order of start: the connector, smsbox, fakesmsc, then
# bearerbox (which takes a few seconds).
stop_sms_gateway() {
  exec 7>&-
  local i
  for ((i = ${#SMS_PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${SMS_PIDS[i]}" 2>/dev/null && wait "${SMS_PIDS[i]}" 2>/dev/null || true
  done
  SMS_PIDS=()
}

# What the phones received: TO <tab> FROM <tab> PARTS <tab> TEXT, one a line.
sms_inbox() { "$BUILD_DIR/tests/connectors/fakesmsc-inbox" "$SMS_DIR/fakesmsc.out"; }
# Messages to $1 whose text holds $2.
sms_to() { sms_inbox | awk -F'\t' -v to="$1" -v s="$2" '$1 == to && index($4, s) > 0'; }

wait_for_sms() {
  wait_until "[ -n \"\$(sms_to '$1' '$2')\" ]" 30 || { echo "(no SMS to the phone after 30 s: see ${SMS_DIR#$ROOT/}/)"; return 1; }
}

# +33639980002 -> +336••••••02: the demo shows whose phone, never the number.
mask_number() { printf '%s••••••%s' "${1:0:4}" "${1: -2}"; }

# Prints the messages to $1 whose text holds $2, as the phone shows them.
show_sms() {
  local to from parts text
  while IFS=$'\t' read -r to from parts text; do
    local in_parts=""
    [ "$parts" -gt 1 ] && in_parts=" (in $parts parts)"
    printf '\033[36m[phone %s] receives from %s%s:\033[0m\n' "$(mask_number "$to")" "$from" "$in_parts"
    printf '%s\n' "$text" | fold -s -w 96 | sed 's/^/  | /'
  done < <(sms_to "$1" "$2")
}

# The citizen at $1 sends $2 to the city's number; waits until Kannel has it.
phone_answers() {
  local before
  before=$(grep -c 'Receive SMS' "$SMS_DIR/access.log" 2>/dev/null || true)
  printf '\033[36m[phone %s] sends to %s:\033[0m %s\n' "$(mask_number "$1")" "$SMS_FROM" "$2"
  printf '%s %s text %s\n' "$1" "$SMS_FROM" "$2" >&7
  wait_until "[ \$(grep -c 'Receive SMS' '$SMS_DIR/access.log') -gt ${before:-0} ]" 30
}
