#!/bin/sh
# Registers each domain's OAuth2 client in its own Hydra.
set -eu
curl -sf -X POST "${CIAM_HYDRA_ADMIN_URL}/admin/clients" \
  -H 'Content-Type: application/json' \
  -d '{"client_id": "site-ciam-client", "redirect_uris": ["http://login.ciam.example.test/callback"]}'
curl -sf -X POST "${IAM_HYDRA_ADMIN_URL}/admin/clients" \
  -H 'Content-Type: application/json' \
  -d '{"client_id": "site-iam-client", "redirect_uris": ["http://login.iam.example.test/callback"]}'
