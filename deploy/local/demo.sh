#!/usr/bin/env bash
# The demo a newcomer can watch: installs what is missing, builds, starts
# proactived on its embedded RocksDB with the Paris rules and a real Kannel
# on loopback for SMS, and plays a small Paris scenario step by step.
#   deploy/local/demo.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
# SMS go through Kannel: bearerbox and smsbox (kannel), and fakesmsc
# (kannel-extras) playing the citizens' phones.
export EXTRA_PACKAGES="${EXTRA_PACKAGES:-} kannel kannel-extras"
# Only the programs the demo runs: the tests build with test.sh.
export BUILD_TARGETS="${BUILD_TARGETS-proactived proactivectl proactive-import proactive-sms-kannel fakesmsc-inbox}"
"$ROOT/deploy/local/setup.sh"
source "$ROOT/deploy/local/sms.sh"

BIN="$BUILD_DIR/engine"
CTL="$BIN/cli/proactivectl"
# proactivectl shows times in the terminal's zone: the demo's is Paris.
export TZ="${TZ:-Europe/Paris}"
IMPORT="$BUILD_DIR/connectors/batch/proactive-import"
DATA="$ROOT/var/demo"
DEMO="$ROOT/deploy/demo"
rm -rf "$DATA" && mkdir -p "$DATA"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
# A command of the demo, printed then run: should it fail, so does the demo.
show() {
  printf '\033[2m$ %s\033[0m\n' "$*"
  "$@" || { echo "demo: this step failed (exit $?): $*" >&2; exit 1; }
}
# A command the engine must refuse, in whole or in part (some rows of a file):
# the demo stops if it succeeds.
refused() {
  printf '\033[2m$ %s\033[0m\n' "$*"
  if "$@"; then echo "demo: this should have been refused: $*" >&2; exit 1; fi
}
# Shows the SMS to $1 holding $2 once it reached the phone; the demo stops
# if none does.
sms_arrives() {
  wait_for_sms "$1" "$2" || { echo "demo: no SMS holding \"$2\" reached the phone" >&2; exit 1; }
  show_sms "$1" "$2"
}
# Waits up to 30 s for the condition $1; the demo stops if it never holds.
settles() { wait_until "$1" 30 || { echo "demo: gave up waiting for: $1" >&2; exit 1; }; }
# Imports a CSV copied into var/demo/ with a mapping of connectors/batch/examples/,
# through `show` or `refused` ($1: whether rows are to be rejected).
import_csv() {
  "$1" "$IMPORT" --mapping="$ROOT/connectors/batch/examples/$3" --file="$DATA/$2" --schema="$ROOT/rules/schema.yaml"
}

# A free port the first time; the same one after a restart, where the SMS
# connector looks for it. The clock starts on 29 June 2026 at 08:00 UTC and
# goes on across a restart: started again at 08:00, the daemon would find
# the messages it made since in the future, and hold them until then.
unset PROACTIVE_SERVER
DEMO_EPOCH=$(date +%s)
start_daemon() {
  rm -f "$DATA/ready"
  local clock
  clock=$(date -u -d "@$((1782720000 + $(date +%s) - DEMO_EPOCH))" +%Y-%m-%dT%H:%M:%SZ)
  "$BIN/server/proactived" --data_dir="$DATA/db" --rules_dir="$ROOT/rules" \
    --listen="${PROACTIVE_SERVER:-127.0.0.1:0}" --ready_file="$DATA/ready" --insecure \
    --clock_start="$clock" >>"$DATA/proactived.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 100); do [ -s "$DATA/ready" ] && break; sleep 0.1; done
  [ -s "$DATA/ready" ] || { echo "proactived did not start; see $DATA/proactived.log"; exit 1; }
  export PROACTIVE_SERVER="$(cat "$DATA/ready")"
}
stop_daemon() { kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true; }
trap 'stop_sms_gateway; stop_daemon' EXIT

step "Starting proactived (embedded RocksDB in var/demo/db, rules from rules/)"
echo "The demo's clock starts on 29 June 2026, so that its dates stay meaningful."
start_daemon
echo "proactived is serving gRPC on $PROACTIVE_SERVER (log: var/demo/proactived.log)"

step "Starting the SMS gateway: Kannel on loopback, and proactive-sms-kannel between it and proactived"
SMS_DIR="$DATA/kannel"
start_sms_gateway "$PROACTIVE_SERVER"
echo "bearerbox and smsbox (Kannel 1.4.5) run on free loopback ports; fakesmsc plays the operator's"
echo "SMS centre and the citizens' phones. proactive-sms-kannel leases the messages of the engine's"
echo "outbox and hands them to Kannel; it posts the citizens' answers back (docs/sms.md)."
echo "Logs and configuration: var/demo/kannel/"

step "The City publishes the school sector of each address: a reference table, replaced as a whole"
echo "rules/schema.yaml declares it (school_sectors_maternelle, keyed by address_key); rules read the row"
echo "of a person's address as person.school_sector (docs/connectors.md#reference-tables-in-the-engine)."
cp "$DEMO/school-sectors.csv" "$DATA/"
import_csv show school-sectors.csv school-sectors.yaml

step "The civil registry, the CAF, the social action centre and the citizens' Paris accounts publish events"
echo "Each line of deploy/demo/paris-sample.ndjson is one event; values are typed by rules/schema.yaml."
show "$CTL" publish --file "$DEMO/paris-sample.ndjson" --schema "$ROOT/rules/schema.yaml"

step "What the engine now holds about a child and her guardian (links are kept on both sides)"
show "$CTL" person show P0001
show "$CTL" person show P0002

step "Publishing the same file again changes nothing: every event is a duplicate"
show "$CTL" publish --file "$DEMO/paris-sample.ndjson" --schema "$ROOT/rules/schema.yaml"

step "Bad events are refused one by one, each with the field and the reason; they change nothing"
refused "$CTL" publish --file "$DEMO/bad-events.ndjson" --schema "$ROOT/rules/schema.yaml"

step "A back office that does not speak gRPC: the CAF's CSV export, through proactive-import"
echo "connectors/batch/examples/caf.yaml maps its columns (French dates, decimal commas, oui/non)"
echo "to attributes; bad rows go to a reject file with their line number and reason."
echo "Rows go to the engine in PublishBatch calls (one per chunk of 500 rows), answered once durable."
cp "$DEMO/caf-export-2026-06.csv" "$DATA/"
import_csv refused caf-export-2026-06.csv caf.yaml
show cat "$DATA/caf-export-2026-06.csv.rejects.tsv"
show "$CTL" person show P0040

step "Running the import again goes on from its saved position: nothing is sent twice"
import_csv show caf-export-2026-06.csv caf.yaml

step "The rules already decided, as the events arrived"
echo "A child turning three this year: a place at the maternelle of her address's sector is proposed to"
echo "her guardians, naming the school (parameters; the data used say which table version it came from)."
echo "Two low-income households that did not receive the RSA when their income came in: referred to an outreach"
echo "caseworker (the CAF export above says one of them receives it since June: the referral made stays)."
show "$CTL" decisions list P0001
show "$CTL" decisions list P0020
show "$CTL" decisions list P0002
OFFER=$("$CTL" decisions list P0001 | awk '{print $1}' | head -1)
echo "Everything a decision was made from: rule and version, legal basis, data used and their sources:"
show "$CTL" decisions show "$OFFER"

step "The offer reaches the guardian's phone by SMS, through Kannel"
GUARDIAN=+33639980002
echo "Its text comes from the rule that decided, with the reference code and the city's algorithm notice;"
echo "the engine writes it when the gateway takes the message (docs/sms.md):"
sms_arrives "$GUARDIAN" maternelle
CODE=$(sms_to "$GUARDIAN" maternelle | grep -o 'OUI [0-9A-Z]*' | head -1 | cut -d' ' -f2)
echo "Handed to Kannel, the offer is notified; its time to contest starts only when the SMS centre's"
echo "delivery report says the phone got it: a hand-off proves nothing reached anyone (docs/decisions.md)."
settles "'$CTL' decisions show '$OFFER' | grep -q 'reached its recipient'"
printf '\033[2m$ %s\033[0m\n' "proactivectl decisions show $OFFER | sed -n '/^history:/,\$p'"
"$CTL" decisions show "$OFFER" | sed -n '/^history:/,$p'

step "The other guardian has no phone: the same offer waits as a letter for the mail room"
settles "'$CTL' letters list | grep -q ' to P0003 '"
show "$CTL" letters list
LETTER=$("$CTL" letters list 2>/dev/null | grep ' to P0003 ' | awk '{print $1}' | head -1 || true)
echo "The mail room prints it, takes the address from the city's register (the engine holds none),"
echo "posts it and says so; the posting is in the audit log (docs/sms.md#letters-the-mail-room):"
if [ -n "$LETTER" ]; then show "$CTL" letters posted "$LETTER"; fi

step "The guardian accepts by answering OUI $CODE: the offer is confirmed, the formal decision issued"
phone_answers "$GUARDIAN" "OUI $CODE"
settles "'$CTL' decisions list P0001 | grep -q ' confirmed '"
show "$CTL" decisions list P0001
echo "The engine's acknowledgement leaves through the outbox too. It notifies the formal decision: the"
echo "code it quotes is the formal decision's, whose own two months to contest start when it reaches the phone:"
sms_arrives "$GUARDIAN" acceptation

step "Météo-France raises a red heatwave warning for Paris: the engine sweeps the population"
show "$CTL" publish --file "$DEMO/heatwave-red.ndjson" --schema "$ROOT/rules/schema.yaml"
for _ in $(seq 1 50); do "$CTL" status | grep -q " 0 sweeps pending" && break; sleep 0.1; done
echo "Every person was tested in memory against the rules' conditions on one attribute (age, living"
echo "alone, ...); only those left were evaluated in full (docs/architecture.md#sweeps). The daemon's log:"
grep -o "sweep [0-9]* (broadcast .*) finished: .*" "$DATA/proactived.log" | tail -1 | sed 's/^/  /'
echo "Mme Petit, 83, lives alone: offered a call. M. Roux is in the REFLEX register: told the City will call."
show "$CTL" decisions list P0010
"$CTL" decisions list P0010 >"$DATA/petit-decisions.txt" 2>&1 || true
PETIT_HEAT=$(grep -o 'd-[0-9A-Z]\{16\}' "$DATA/petit-decisions.txt" 2>/dev/null | head -1 || true)
echo "Her decision keeps what the rule read and where it came from. The rule only tests that she has a"
echo "phone: the decision keeps that, not her number (docs/privacy.md)."
if [ -n "$PETIT_HEAT" ]; then show "$CTL" decisions show "$PETIT_HEAT"; fi
show "$CTL" decisions list P0011
"$CTL" decisions list P0011 >"$DATA/roux-decisions.txt" 2>&1 || true
echo "Heatwave messages are urgent: even at night they would leave at once, past the quiet hours."
PETIT=+33639980010 ROUX=+33639980011
sms_arrives "$PETIT" canicule
sms_arrives "$ROUX" canicule

step "Citizens answer by SMS: Mme Petit contests her notice, M. Roux wants no more messages"
HEAT_CODE=$(sms_to "$PETIT" canicule | grep -o 'RECOURS [0-9A-Z]*' | head -1 | cut -d' ' -f2)
phone_answers "$PETIT" "RECOURS $HEAT_CODE"
echo "Her contest is acknowledged: the day it came, the day it is to be reviewed by, and what silence would mean (CRPA L112-3, R112-5):"
sms_arrives "$PETIT" enregistrée
echo "A contest by SMS opens a case for a caseworker; the decision is in review until one resolves it:"
settles "'$CTL' decisions list P0010 | grep -q 'in review'"
show "$CTL" decisions list P0010
echo "Her case waits in the list of the caseworkers of the 18th, where she lives:"
show "$CTL" recourse list --arrondissement 18
phone_answers "$ROUX" "STOP"
echo "STOP is answered at once, and M. Roux gets no proactive message again:"
sms_arrives "$ROUX" "ne recevrez plus"

step "Months later, the daily schedule finds an identity card that expires in 59 days"
show "$CTL" tick --date 2026-11-21 --ahead
show "$CTL" decisions list P0030
echo "Running it again for the same day changes nothing:"
show "$CTL" tick --date 2026-11-21 --ahead

step "The family contests the offer: a contested decision always goes to a human"
echo "At the town-hall desk they give the code of their SMS ($CODE); the desk contests with it:"
show "$CTL" decisions contest "$CODE" --reason "Son frère est à l'école maternelle Parmentier : nous demandons la même école"
show "$CTL" recourse list
CASE=$("$CTL" recourse list | grep "$OFFER" | awk '{print $1}' | head -1)
echo "A caseworker claims the case (the claim expires if abandoned), calls the family, resolves it"
echo "with a written reason and its legal basis:"
show "$CTL" recourse claim "$CASE"
echo "To call the family, the caseworker asks for the guardian's number for this case: shown"
echo "whole only to a caseworker, only for a case or decision about her, and the audit chain records"
echo "who saw it, and why (a back-office system asking is refused: the demo runs with every role)."
show "$CTL" person show P0002 --reveal-for "$CASE"
show "$CTL" recourse note "$CASE" --text "Appel à la famille : le frère aîné est inscrit à Parmentier ; une place y est libre."
echo "The reason is sent to the family by SMS: one too long to send is refused, with what to cut,"
echo "and the case stays open (a longer account goes in a note):"
refused "$CTL" recourse resolve "$CASE" --outcome amended \
  --reason "La famille nous a confirmé par téléphone que le frère aîné de l'enfant est scolarisé à l'école maternelle Parmentier, dans le même arrondissement, et une place y est libre à la rentrée : l'inscription est donc proposée dans cette école plutôt qu'à l'école de secteur, pour que les deux enfants soient ensemble." \
  --legal_basis "Code de l'éducation, art. L212-7" --amend '{"school": "École maternelle Parmentier"}'
echo "Amended, the caseworker gives the offer's new school: a parameter the offer does not have is"
echo "refused, naming the ones it has; the amendment records the school it replaces:"
refused "$CTL" recourse resolve "$CASE" --outcome amended \
  --reason "Le frère aîné est à l'école Parmentier, où une place est libre." \
  --legal_basis "Code de l'éducation, art. L212-7" --amend '{"ecole": "École maternelle Parmentier"}'
show "$CTL" recourse resolve "$CASE" --outcome amended \
  --reason "Le frère aîné est à l'école Parmentier, où une place est libre." \
  --legal_basis "Code de l'éducation, art. L212-7" --amend '{"school": "École maternelle Parmentier"}'
echo "The family is told the outcome and the reason by SMS; the formal decision issued when they"
echo "accepted now names that school too:"
sms_arrives "$GUARDIAN" examinée
FORMAL=$("$CTL" decisions list P0001 | grep 'accepted offer' | awk '{print $1}' | head -1)
if [ -n "$FORMAL" ]; then show "$CTL" decisions show "$FORMAL"; fi
echo "The explanation the family is entitled to (CRPA R311-3-1-2), with the review in it:"
show "$CTL" decisions explain "$OFFER"
echo "Every change was chained in the audit log:"
show "$CTL" audit verify
echo "An auditor reads the offer's whole history, its case's included, by the code the family quotes:"
show "$CTL" audit list --decision "$CODE"
echo "and asks who saw a citizen's contact data, for which decision, and whose (never by name):"
show "$CTL" audit list --action person.contact_revealed

step "M. Roux asks the City to forget him (GDPR art. 17): his data goes, the decisions the law keeps stay, pseudonymised"
show "$CTL" person forget P0011 --reference RGPD-2026-0042
echo "The engine no longer knows him:"
refused "$CTL" person show P0011
echo "His heatwave decision is still on record, without anything about him (docs/privacy.md):"
HEAT=$(grep -o 'd-[0-9A-Z]\{16\}' "$DATA/roux-decisions.txt" 2>/dev/null | head -1 || true)
if [ -n "$HEAT" ]; then show "$CTL" decisions show "$HEAT"; fi
show "$CTL" audit verify

step "A city-sized test: 20,000 synthetic Parisians (nobody real; phones in the range reserved for fiction)"
show "$CTL" synth --persons 20000 --seed 1 --as_of 2026-06-01 --output "$DATA/synthetic.ndjson"
show "$CTL" publish --file "$DATA/synthetic.ndjson" --schema "$ROOT/rules/schema.yaml"

step "The policy team's side: rule tests, and a dry run of a new ceiling before going live"
show "$CTL" rules test "$ROOT/rules"
CANDIDATE="$DATA/candidate-rules"
rm -rf "$CANDIDATE" && cp -r "$ROOT/rules" "$CANDIDATE"
sed -i 's/12300.00 EUR/15000.00 EUR/' "$CANDIDATE/paris/non-take-up.yaml"
echo "The candidate raises the outreach ceiling of a one-person household from 12300 to 15000 EUR."
echo "Who would newly be contacted, by arrondissement, without contacting anyone:"
show "$CTL" rules simulate --rules "$CANDIDATE" --against "$ROOT/rules" \
  --broadcast weather.heatwave:75:level=red,episode_id=simulation

step "The public's side: the register of algorithms, a page the City can publish (CRPA art. L312-1-3)"
printf '\033[2m$ %s\033[0m\n' "proactivectl audit register --markdown > var/demo/register.md"
"$CTL" audit register --markdown >"$DATA/register.md"
echo "var/demo/register.md holds every rule in force ($(grep -c '^## ' "$DATA/register.md") of them): purpose, legal basis,"
echo "condition, the data it reads (with their sources) and the parameters it names with their dated values. The RSA outreach rule's section:"
awk '/^## Orientation/ { on = 1; print; next } /^## / { on = 0 } on' "$DATA/register.md"
echo "And how the decisions ended, by rule and by the arrondissement each person lived in: an auditor reads"
echo "exact counts; the figures to publish show counts under 5 as \"<5\" (docs/decisions.md#audit)."
echo "The RSA outreach rule's figures, as the City would publish them:"
printf '\033[2m$ %s\033[0m\n' "proactivectl audit stats --public"
"$CTL" audit stats --public >"$DATA/stats.txt"
sed -n '1,2p' "$DATA/stats.txt"
awk '/^non-take-up.rsa-outreach/ { on = 1; print; next } /^$/ { on = 0 } on' "$DATA/stats.txt"

step "A broken pack never replaces a working one"
cp -r "$ROOT/rules/." "$CANDIDATE/"
sed -i 's/person.lives_alone &&/person.lives_alon \&\&/' "$CANDIDATE/paris/heatwave.yaml"
refused "$CTL" rules check "$CANDIDATE"
echo "Reloading such a pack (SIGHUP, or proactivectl rules reload) is refused the same way,"
echo "and the daemon keeps running its current rule set."

step "Restarting the daemon: every acknowledged event was fsynced, the state is still there"
stop_daemon
start_daemon
echo "(proactive-sms-kannel waited for it and carries on: messages stay in the outbox until Kannel has them)"
show "$CTL" person show P0010
show "$CTL" decisions list P0010
if [ -n "$PETIT_HEAT" ]; then
  echo "Her heatwave decision's history, from the contest by SMS to the case: a lookup by decision reads"
  echo "its own entries through the chain's index, not the thousands the city-sized test added since:"
  show "$CTL" audit list --decision "$PETIT_HEAT"
fi

step "Done"
echo "The daemon log never contains phone numbers or names: see var/demo/proactived.log"
echo "$(sms_inbox | wc -l) SMS reached the demo's phones through Kannel, the synthetic Parisians' included;"
echo "the rest wait in the outbox and leave at Kannel's pace (docs/sms.md, delivery guarantees):"
show "$CTL" status
echo "Kannel's own logs (var/demo/kannel/) do hold numbers and texts: docs/sms.md says how to keep them."
if [ -t 0 ]; then
  echo "proactived is still running on $PROACTIVE_SERVER. Try, in another terminal:"
  echo "  PROACTIVE_SERVER=$PROACTIVE_SERVER $CTL person show P0030"
  read -r -p "Press Enter to stop it. " _
fi
