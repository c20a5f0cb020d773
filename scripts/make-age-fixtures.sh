#!/usr/bin/env bash
# Regenerates test/fixtures/age/: age identities and files encrypted by the real `age` CLI, so the
# age store's tests read what the tool writes without needing it at test time (they decrypt with
# the age-encryption library, as src/secrets/age-store.ts does). Run once by hand, then commit:
#   apt-get install -y age && bash scripts/make-age-fixtures.sh
# Every secret value is a fresh random canary, recorded in plaintext.json; test/global-setup.ts
# registers those values and the identities as canaries, so the suite-wide scan fails if any of
# them reaches captured output. They protect nothing real: committing them is fine.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v age >/dev/null && command -v age-keygen >/dev/null || { echo "needs age and age-keygen (apt-get install age)" >&2; exit 1; }

out=test/fixtures/age
rm -rf "$out"
mkdir -p "$out"
age-keygen -o "$out/key.txt" 2>/dev/null
# A second identity the files are not encrypted to: the wrong-key case.
age-keygen -o "$out/other-key.txt" 2>/dev/null
recipient=$(age-keygen -y "$out/key.txt")

canary() { echo "canary-age-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"; }
xendit=$(canary) db=$(canary) armored=$(canary) client=$(canary) webhook=$(canary)

# The plaintexts go to age on stdin only; plaintext.json is the tests' record of what they hold.
# store.age: YAML, binary age format (the unit tests and the end-to-end secret-store scenario).
age -r "$recipient" -o "$out/store.age" <<YAML
XENDIT: $xendit
DB:
  user: app
  password: $db
xendit:
  clientSecret: $client
  webhook: $webhook
YAML
# armored.age: JSON, ASCII-armored (age -a).
printf '{"A":"%s"}' "$armored" | age -a -r "$recipient" -o "$out/armored.age"

cat > "$out/plaintext.json" <<JSON
{
  "store.age": { "XENDIT": "$xendit", "DB": { "user": "app", "password": "$db" }, "xendit": { "clientSecret": "$client", "webhook": "$webhook" } },
  "armored.age": { "A": "$armored" }
}
JSON
echo "wrote $out: $(cd "$out" && ls | tr '\n' ' ')(age $(age --version))"
