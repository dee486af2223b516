#!/usr/bin/env bash
# From Terraform to infra and back, in a scratch copy of this directory.
# Needs `terraform` (1.5 or later) on PATH, or TERRAFORM="python tf_cli.py"
# (../shared/bench), and `infra` (INFRA, default: infra on PATH).
set -euo pipefail
TERRAFORM=${TERRAFORM:-terraform}
INFRA=${INFRA:-infra}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$(dirname "$0")"/main.tf "$(dirname "$0")"/terraform.tfvars "$work"
cd "$work"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
$TERRAFORM init -input=false >/dev/null
$TERRAFORM apply -auto-approve -input=false >/dev/null
echo "== Terraform applied; infra takes over"
$INFRA init -migrate-state
$INFRA plan -detailed-exitcode       # No changes. (exit 0)
echo "== infra changes it"
$INFRA apply -auto-approve -var release=v2 >/dev/null
echo "== back to Terraform"
$INFRA state pull --format terraform > terraform.tfstate
$TERRAFORM plan -no-color -detailed-exitcode -input=false -var release=v2   # No changes.
