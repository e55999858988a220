#!/usr/bin/env bash
# Makes the secrets a production Meshwork cluster needs, with openssl only (no cluster, no JVM):
#
#   client.token        a client's token (32 random bytes, base64url), for MESHCTL_TOKEN or the
#                       authorization header; never given to the nodes
#   clients.conf        the nodes' clients file (MESH_AUTH_FILE): that client's token-sha256 and
#                       allow list; hashes only
#   ca.crt, ca.key      the cluster's CA (meshwork.cluster-tls); keep ca.key off the nodes
#   node.crt, node.key  the node certificate every node presents and accepts (MESH_CLUSTER_TLS_CERT,
#                       _KEY; ca.crt is MESH_CLUSTER_TLS_CA): an RSA key (PKCS#8), signed directly
#                       by the CA, with the subject name all nodes share (Pekko's
#                       RotatingKeysSSLEngineProvider accepts a peer only if it shares one)
#   k8s-secrets.yaml    the Kubernetes Secrets deploy/k8s mounts: meshwork-clients (clients.conf),
#                       meshwork-cluster-tls (tls.crt, tls.key, ca.crt), and meshwork-client-token
#                       (token) for the client's own pods
#
# Each file is made only when it is missing, so running it again keeps the CA and the token and
# rewrites k8s-secrets.yaml from the files; --renew-node makes a new node certificate with the same
# CA (the nodes re-read it within 5 minutes, no restart needed).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/make-secrets.sh [options] OUT_DIR

  --client NAME        the client's name in clients.conf (default: app)
  --allow LIST         what it may call, comma-separated: "*", "kv", "kv/*", "hash/sha256"
                       (default: *)
  --subject-name NAME  the subject name (CN and DNS SAN) every node certificate carries
                       (default: meshwork-node)
  --days N             the node certificate's validity in days (default: 365; the CA: 3650)
  --renew-node         a new node key and certificate, signed by the existing CA
  -h, --help           this text

Then: Kubernetes: kubectl -n NS apply -f OUT_DIR/k8s-secrets.yaml && kubectl -n NS apply -k deploy/k8s
      compose:    deploy/make-secrets.sh deploy/docker/secrets (compose.yaml mounts its clients.conf)
      systemd:    install clients.conf, ca.crt, node.crt and node.key under /etc/meshwork (deploy/README.md)
EOF
}

client=app
allow='*'
subject=meshwork-node
days=365
renew_node=false
out=
while (($#)); do
  case "$1" in
    --client) client="${2:?--client needs a name}"; shift 2 ;;
    --allow) allow="${2:?--allow needs a list}"; shift 2 ;;
    --subject-name) subject="${2:?--subject-name needs a name}"; shift 2 ;;
    --days) days="${2:?--days needs a number}"; shift 2 ;;
    --renew-node) renew_node=true; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "make-secrets: unknown option $1" >&2; usage >&2; exit 2 ;;
    *)
      [[ -z "$out" ]] || { echo "make-secrets: one OUT_DIR only (got $out and $1)" >&2; exit 2; }
      out="$1"; shift ;;
  esac
done
[[ -n "$out" ]] || { usage >&2; exit 2; }
[[ "$client" =~ ^[a-z0-9][a-z0-9-]*$ ]] || {
  echo "make-secrets: --client \"$client\" (expected: lower-case letters, digits and -)" >&2; exit 2; }
[[ "$subject" =~ ^[a-z0-9][a-z0-9.-]*$ ]] || {
  echo "make-secrets: --subject-name \"$subject\" (expected: a DNS name)" >&2; exit 2; }
[[ "$days" =~ ^[1-9][0-9]*$ ]] || { echo "make-secrets: --days \"$days\" (expected: > 0)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "make-secrets: openssl is not installed" >&2; exit 1; }

# The allow list as HOCON strings; each entry checked as the node checks it (AuthSettings).
allow_hocon=
IFS=',' read -r -a entries <<<"$allow"
for entry in "${entries[@]}"; do
  entry="${entry// /}"
  [[ "$entry" == '*' || "$entry" =~ ^[A-Za-z0-9_.-]+(/([A-Za-z0-9_.-]*|\*))?$ ]] || {
    echo "make-secrets: --allow entry \"$entry\" (expected: \"*\", \"service\", \"service/*\" or \"service/method\")" >&2
    exit 2
  }
  allow_hocon+="${allow_hocon:+, }\"$entry\""
done
[[ -n "$allow_hocon" ]] || { echo "make-secrets: --allow is empty (the client could call nothing)" >&2; exit 2; }

mkdir -p "$out"
chmod 700 "$out"
umask 077
cd "$out"
made=()

# --- The client's token and the nodes' clients file ---------------------------------------------
if [[ ! -s client.token ]]; then
  # base64url without padding, as `meshctl auth new-token` makes them.
  openssl rand 32 | openssl base64 -A | tr '+/' '-_' | tr -d '=' >client.token
  rm -f clients.conf
  made+=(client.token)
fi
if [[ ! -s clients.conf ]]; then
  hash="$(printf %s "$(cat client.token)" | openssl dgst -sha256 -r | cut -d' ' -f1)"
  cat >clients.conf <<EOF
# meshwork.auth.clients-file (MESH_AUTH_FILE), made by deploy/make-secrets.sh: SHA-256 hashes of
# the clients' tokens, never the tokens. Add a client: meshctl auth new-token, then a line here.
clients {
  $client { token-sha256 = "$hash", allow = [$allow_hocon] }
}
EOF
  chmod 644 clients.conf # hashes only, readable by the node's user inside a container
  made+=(clients.conf)
fi

# --- The cluster's CA and the node certificate ---------------------------------------------------
if [[ ! -s ca.crt || ! -s ca.key ]]; then
  [[ ! -e ca.crt && ! -e ca.key ]] || {
    echo "make-secrets: $out has only one of ca.crt and ca.key; remove both to make a new CA" >&2; exit 1; }
  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=Meshwork cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt
  chmod 644 ca.crt
  rm -f node.crt node.key # a node certificate of another CA would no longer verify
  made+=(ca.crt ca.key)
fi
if $renew_node || [[ ! -s node.crt || ! -s node.key ]]; then
  tmp="$(mktemp -d node.XXXXXX)"
  trap 'rm -rf "$tmp"' EXIT
  # RSA, PKCS#8, unencrypted: what RotatingKeysSSLEngineProvider reads.
  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$tmp/node.key"
  openssl req -new -key "$tmp/node.key" -subj "/CN=$subject" -out "$tmp/node.csr"
  cat >"$tmp/node.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:$subject
EOF
  # Signed directly by the CA: no intermediate, which the provider would not send.
  openssl x509 -req -in "$tmp/node.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 \
    -days "$days" -extfile "$tmp/node.ext" -out "$tmp/node.crt" 2>/dev/null
  mv "$tmp/node.key" node.key
  mv "$tmp/node.crt" node.crt
  chmod 644 node.crt
  rm -rf "$tmp" ca.srl
  trap - EXIT
  made+=(node.crt node.key)
fi
openssl verify -CAfile ca.crt node.crt >/dev/null || {
  echo "make-secrets: node.crt does not verify against ca.crt" >&2; exit 1; }

# --- Kubernetes Secrets (what kubectl create secret ... --dry-run=client -o yaml writes) ---------
b64() { openssl base64 -A <"$1"; }
cat >k8s-secrets.yaml <<EOF
# Made by deploy/make-secrets.sh. Holds a private key: apply it, do not commit it.
#   kubectl -n NAMESPACE apply -f k8s-secrets.yaml
# The nodes' clients file (MESH_AUTH_FILE), mounted by deploy/k8s/deployment.yaml.
apiVersion: v1
kind: Secret
metadata:
  name: meshwork-clients
  labels:
    app: meshwork
type: Opaque
data:
  clients.conf: $(b64 clients.conf)
---
# The nodes' cluster TLS files (MESH_CLUSTER_TLS_CERT, _KEY, _CA), mounted by deployment.yaml.
apiVersion: v1
kind: Secret
metadata:
  name: meshwork-cluster-tls
  labels:
    app: meshwork
type: kubernetes.io/tls
data:
  tls.crt: $(b64 node.crt)
  tls.key: $(b64 node.key)
  ca.crt: $(b64 ca.crt)
---
# The client's token, for the client's pods (env MESHCTL_TOKEN, or a file); never the nodes'.
apiVersion: v1
kind: Secret
metadata:
  name: meshwork-client-token
  labels:
    app: meshwork-client
type: Opaque
data:
  token: $(b64 client.token)
EOF

echo "make-secrets: in $(pwd): ${made[*]:-nothing new} made; k8s-secrets.yaml written"
cat <<EOF
The same Secrets with kubectl (from $(pwd)):
  kubectl create secret generic meshwork-clients --from-file=clients.conf
  kubectl create secret generic meshwork-cluster-tls --type=kubernetes.io/tls \\
    --from-file=tls.crt=node.crt --from-file=tls.key=node.key --from-file=ca.crt=ca.crt
  kubectl create secret generic meshwork-client-token --from-file=token=client.token
Keep ca.key apart from the cluster: it signs new node certificates (--renew-node).
EOF
