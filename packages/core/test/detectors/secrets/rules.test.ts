import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { base62, crc32 } from '../../../src/detectors/secrets/heuristics.ts';
import { createSecretsDetector, SECRET_RULES } from '../../../src/detectors/secrets/index.ts';
import type { Finding } from '../../../src/model/finding.ts';

// Fake but well-formed credentials, built from a seeded generator so no real value is ever committed.
let seed = 0x2f6b1d3;
function r(alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out += alphabet[(seed >>> 8) % alphabet.length];
  }
  return out;
}
const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LO = 'abcdefghijklmnopqrstuvwxyz';
const D = '0123456789';
const HEX = '0123456789abcdef';
const AN = UP + LO + D;
const LD = LO + D;
const UD = UP + D;
const URL = `${AN}_-`;
const B64 = `${AN}+/`;
const uuid = (): string => `${r(HEX, 8)}-${r(HEX, 4)}-4${r(HEX, 3)}-a${r(HEX, 3)}-${r(HEX, 12)}`;
const gh = (prefix: string): string => {
  const body = r(AN, 30);
  return `${prefix}${body}${base62(crc32(body), 6)}`;
};
const b64url = (s: string): string => btoa(s).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const pw = (): string => `${r(UP, 3)}${r(LO, 5)}${r(D, 3)}!${r(LO, 2)}`;
const pemBody = (lines: number): string => Array.from({ length: lines }, () => r(B64, 64)).join('\n');
const pem = (label: string, lines = 4): string =>
  `-----BEGIN ${label}-----\n${pemBody(lines)}\n-----END ${label}-----`;

/** One positive sample per rule id; the secret is somewhere inside the text. */
const SAMPLES: Record<string, string> = {
  'aws-access-key-id': `aws configure set aws_access_key_id AKIA${r(UD, 16)}`,
  'aws-secret-access-key': `aws_secret_access_key = ${r(B64, 40)}`,
  'aws-session-token': `AWS_SESSION_TOKEN=${r(B64, 200)}`,
  'aws-bedrock-api-key': `ABSK${r(B64, 130)}`,
  'aws-mws-key': `amzn.mws.${uuid()}`,
  'aws-appsync-api-key': `x-api-key: da2-${r(LD, 26)}`,
  'gcp-api-key': `key=AIza${r(URL, 35)}`,
  'gcp-service-account-key': `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n${r(B64, 64)}\\n${r(B64, 64)}\\n-----END PRIVATE KEY-----\\n"}`,
  'gcp-oauth-client-secret': `GOCSPX-${r(URL, 28)}`,
  'gcp-oauth-access-token': `ya29.${r(URL, 60)}`,
  'gcp-oauth-refresh-token': `refresh: 1//0${r(URL, 60)}`,
  'gcp-oauth-client-id': `${r(D, 12)}-${r(LD, 32)}.apps.googleusercontent.com`,
  'gcp-firebase-cloud-messaging-key': `AAAA${r(URL, 7)}:${r(URL, 140)}`,
  'azure-storage-account-key': `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${r(B64, 86)}==;EndpointSuffix=core.windows.net`,
  'azure-service-bus-connection-string': `Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${r(B64, 43)}=`,
  'azure-sas-token': `https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&sp=r&se=2026-01-01&sig=${r(AN, 43)}%3D`,
  'azure-ad-client-secret': `${r(AN, 3)}8Q~${r(AN, 34)}`,
  'azure-client-secret-assignment': `AZURE_CLIENT_SECRET=${r(AN, 40)}`,
  'azure-devops-pat': `AZURE_DEVOPS_PAT=${r(LD, 52)}`,
  'azure-cosmosdb-key': `cosmos_primary_key = "${r(B64, 86)}=="`,
  'github-pat': `token ${gh('ghp_')}`,
  'github-oauth-token': gh('gho_'),
  'github-user-to-server-token': gh('ghu_'),
  'github-server-to-server-token': gh('ghs_'),
  'github-refresh-token': gh('ghr_'),
  'github-fine-grained-pat': `github_pat_11${r(UD, 20)}_${r(AN, 59)}`,
  'github-app-installation-jwt-token': `ghs_20260101_eyJ${r(URL, 30)}.${r(URL, 40)}`,
  'gitlab-pat': `glpat-${r(URL, 20)}`,
  'gitlab-deploy-token': `gldt-${r(URL, 20)}`,
  'gitlab-runner-token': `glrt-${r(URL, 20)}`,
  'gitlab-runner-registration-token': `GR1348941${r(URL, 20)}`,
  'gitlab-pipeline-trigger-token': `glptt-${r(HEX, 40)}`,
  'gitlab-cicd-job-token': `glcbt-12ab_${r(URL, 20)}`,
  'gitlab-incoming-mail-token': `glimt-${r(URL, 25)}`,
  'gitlab-agent-token': `glagent-${r(URL, 50)}`,
  'gitlab-feature-flag-client-token': `glffct-${r(URL, 20)}`,
  'gitlab-feed-token': `glft-${r(URL, 20)}`,
  'gitlab-oauth-app-secret': `gloas-${r(URL, 64)}`,
  'gitlab-scim-token': `glsoat-${r(URL, 20)}`,
  'gitlab-workspace-token': `glwt-${r(URL, 20)}`,
  'gitlab-session-cookie': `Cookie: _gitlab_session=${r(LD, 32)}`,
  'atlassian-api-token': `ATATT3${r(URL, 186)}`,
  'bitbucket-app-password': `ATBB${r(AN, 32)}`,
  'bitbucket-access-token': `ATCTT3${r(URL, 186)}`,
  'atlassian-legacy-token': `JIRA_API_TOKEN=${r(AN, 24)}`,
  'atlassian-data-center-pat': `confluence_pat: N${r(B64, 43)}`,
  'slack-bot-token': `xoxb-${r(D, 12)}-${r(D, 12)}-${r(AN, 24)}`,
  'slack-user-token': `xoxp-${r(D, 12)}-${r(D, 12)}-${r(D, 12)}-${r(HEX, 32)}`,
  'slack-workspace-token': `xoxa-2-${r(AN, 40)}`,
  'slack-app-token': `xapp-1-A${r(UD, 10)}-${r(D, 13)}-${r(HEX, 64)}`,
  'slack-config-token': `xoxe.xoxp-1-${r(AN, 150)}`,
  'slack-webhook': `https://hooks.slack.com/services/T${r(UD, 10)}/B${r(UD, 10)}/${r(AN, 24)}`,
  'stripe-secret-key': `sk_live_${r(AN, 24)}`,
  'stripe-restricted-key': `rk_live_${r(AN, 24)}`,
  'stripe-publishable-key': `pk_live_${r(AN, 24)}`,
  'stripe-webhook-secret': `whsec_${r(AN, 32)}`,
  'twilio-api-key': `SK${r(HEX, 32)}`,
  'twilio-account-sid': `TWILIO_ACCOUNT_SID=AC${r(HEX, 32)}`,
  'twilio-auth-token': `TWILIO_AUTH_TOKEN=${r(HEX, 32)}`,
  'sendgrid-api-key': `SG.${r(URL, 22)}.${r(URL, 43)}`,
  'brevo-api-key': `xkeysib-${r(HEX, 64)}-${r(AN, 16)}`,
  'mailgun-private-key': `key-${r(HEX, 32)}`,
  'mailgun-public-key': `pubkey-${r(HEX, 32)}`,
  'mailgun-signing-key': `${r('abcdefgh0123456789', 32)}-${r('abcdefgh0123456789', 8)}-${r('abcdefgh0123456789', 8)}`,
  'mailchimp-api-key': `${r(HEX, 32)}-us21`,
  'mandrill-api-key': `MANDRILL_API_KEY=${r(URL, 22)}`,
  'postmark-server-token': `POSTMARK_SERVER_TOKEN=${uuid()}`,
  'telegram-bot-token': `${r(D, 9)}:AA${r(URL, 33)}`,
  'discord-bot-token': `DISCORD_BOT_TOKEN=M${r(URL, 23)}.${r(URL, 6)}.${r(URL, 27)}`,
  'discord-webhook': `https://discord.com/api/webhooks/${r(D, 18)}/${r(URL, 68)}`,
  'discord-client-secret': `DISCORD_CLIENT_SECRET=${r(URL, 32)}`,
  'microsoft-teams-webhook': `https://acme.webhook.office.com/webhookb2/${uuid()}@${uuid()}/IncomingWebhook/${r(LD, 32)}/${uuid()}`,
  'mattermost-access-token': `MATTERMOST_TOKEN=${r(LD, 26)}`,
  'openai-api-key': `sk-${r(AN, 20)}T3BlbkFJ${r(AN, 20)}`,
  'openai-project-key': `sk-proj-${r(URL, 80)}`,
  'openai-service-account-key': `sk-svcacct-${r(URL, 80)}`,
  'openai-admin-key': `sk-admin-${r(URL, 80)}`,
  'openai-legacy-key': `sk-${r(AN, 48)}`,
  'anthropic-api-key': `sk-ant-api03-${r(URL, 93)}AA`,
  'anthropic-admin-key': `sk-ant-admin01-${r(URL, 93)}AA`,
  'anthropic-oauth-token': `sk-ant-oat01-${r(URL, 93)}AA`,
  'huggingface-access-token': `hf_${r(AN, 34)}`,
  'huggingface-org-token': `api_org_${r(UP + LO, 34)}`,
  'groq-api-key': `gsk_${r(AN, 52)}`,
  'perplexity-api-key': `pplx-${r(AN, 48)}`,
  'xai-api-key': `xai-${r(AN, 80)}`,
  'llama-api-key': `llx-${r(AN, 48)}`,
  'replicate-api-token': `r8_${r(AN, 37)}`,
  'deepseek-api-key': `sk-${r(HEX, 32)}`,
  'cohere-api-key': `COHERE_API_KEY=${r(AN, 40)}`,
  'mistral-api-key': `MISTRAL_API_KEY=${r(AN, 32)}`,
  'together-api-key': `tgp_v1_${r(URL, 43)}`,
  'langsmith-api-key': `lsv2_pt_${r(HEX, 32)}_${r(HEX, 10)}`,
  'npm-access-token': `npm_${r(AN, 36)}`,
  'pypi-upload-token': `pypi-AgEIcHlwaS5vcmc${r(URL, 70)}`,
  'rubygems-api-key': `rubygems_${r(HEX, 48)}`,
  'nuget-api-key': `oy2${r(LD, 43)}`,
  'clojars-deploy-token': `CLOJARS_${r(LD, 60)}`,
  'docker-hub-pat': `dckr_pat_${r(URL, 27)}`,
  'docker-swarm-token': `SWMTKN-1-${r(LD, 50)}-${r(LD, 25)}`,
  'jfrog-api-key': `AKCp${r(AN, 69)}`,
  'jfrog-reference-token': `cmVmdGtuOjAxOj${r(AN, 50)}`,
  'postman-api-key': `PMAK-${r(HEX, 24)}-${r(HEX, 34)}`,
  'sonarqube-token': `squ_${r(HEX, 40)}`,
  'sentry-org-token': `sntrys_eyJ${r(URL, 80)}`,
  'sentry-user-token': `sntryu_${r(HEX, 64)}`,
  'sentry-legacy-token': `SENTRY_AUTH_TOKEN=${r(HEX, 64)}`,
  'codecov-token': `CODECOV_TOKEN=${uuid()}`,
  'snyk-api-token': `SNYK_TOKEN=${uuid()}`,
  'travis-ci-token': `TRAVIS_TOKEN=${r(AN, 22)}`,
  'circleci-token': `CIRCLE_TOKEN=${r(HEX, 40)}`,
  'prefect-api-key': `pnu_${r(AN, 36)}`,
  'readme-api-key': `rdme_${r(LD, 70)}`,
  'harness-pat': `pat.${r(URL, 22)}.${r(LD, 24)}.${r(AN, 20)}`,
  'octopus-deploy-api-key': `API-${r(UD, 26)}`,
  'infracost-api-token': `ico-${r(AN, 32)}`,
  'defined-networking-api-key': `dnkey-${r(LD, 26)}-${r(LD, 52)}`,
  'age-secret-key': `AGE-SECRET-KEY-1${r('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`,
  'nkey-seed': `SU${r(`${UP}234567`, 56)}`,
  'onepassword-service-account-token': `ops_eyJ${r(B64, 300)}`,
  'onepassword-secret-key': `A3-${r(UD, 6)}-${r(UD, 11)}-${r(UD, 5)}-${r(UD, 5)}-${r(UD, 5)}`,
  'digitalocean-pat': `dop_v1_${r(HEX, 64)}`,
  'digitalocean-oauth-token': `doo_v1_${r(HEX, 64)}`,
  'digitalocean-refresh-token': `dor_v1_${r(HEX, 64)}`,
  'heroku-api-key': `HEROKU_API_KEY=${uuid()}`,
  'heroku-platform-key': `HRKU-AA${r(URL, 58)}`,
  'netlify-access-token': `NETLIFY_AUTH_TOKEN=${r(URL, 43)}`,
  'netlify-pat': `nfp_${r(AN, 36)}`,
  'vercel-pat': `vcp_${r(AN, 56)}`,
  'vercel-integration-token': `vci_${r(AN, 56)}`,
  'vercel-app-token': `vca_${r(AN, 56)}`,
  'vercel-api-key': `vck_${r(AN, 56)}`,
  'vercel-legacy-token': `VERCEL_TOKEN=${r(AN, 24)}`,
  'cloudflare-api-token': `CLOUDFLARE_API_TOKEN=${r(URL, 40)}`,
  'cloudflare-global-api-key': `CLOUDFLARE_API_KEY=${r(HEX, 37)}`,
  'cloudflare-origin-ca-key': `v1.0-${r(HEX, 24)}-${r(HEX, 146)}`,
  'flyio-access-token': `fo1_${r(URL, 43)}`,
  'databricks-api-token': `dapi${r(HEX, 32)}`,
  'alibaba-access-key-id': `LTAI${r(AN, 20)}`,
  'alibaba-secret-key': `ALIBABA_CLOUD_ACCESS_KEY_SECRET=${r(AN, 30)}`,
  'tencent-secret-id': `AKID${r(AN, 32)}`,
  'ibm-cloud-api-key': `IBM_CLOUD_API_KEY=${r(URL, 44)}`,
  'oracle-cloud-key-fingerprint': `OCI_API_KEY=${r(B64, 60)}`,
  'scalingo-api-token': `tk-us-${r(URL, 48)}`,
  'planetscale-token': `pscale_tkn_${r(URL, 43)}`,
  'planetscale-password': `pscale_pw_${r(URL, 43)}`,
  'supabase-access-token': `sbp_${r(HEX, 40)}`,
  'supabase-secret-key': `sb_secret_${r(URL, 40)}`,
  'hashicorp-vault-service-token': `hvs.${r(URL, 95)}`,
  'hashicorp-vault-batch-token': `hvb.${r(URL, 150)}`,
  'hashicorp-vault-legacy-token': `VAULT_TOKEN=s.${r(AN, 24)}`,
  'terraform-cloud-token': `${r(AN, 14)}.atlasv1.${r(URL, 67)}`,
  'pulumi-access-token': `pul-${r(HEX, 40)}`,
  'doppler-personal-token': `dp.pt.${r(AN, 43)}`,
  'doppler-service-token': `dp.st.prd.${r(AN, 40)}`,
  'doppler-other-token': `dp.sa.${r(AN, 43)}`,
  'grafana-cloud-token': `glc_${r(AN, 80)}`,
  'grafana-service-account-token': `glsa_${r(AN, 32)}_${r(HEX, 8)}`,
  'grafana-api-key': `eyJrIjoi${r(AN, 60)}`,
  'datadog-api-key': `DD_API_KEY=${r(HEX, 32)}`,
  'datadog-app-key': `DD_APP_KEY=${r(HEX, 40)}`,
  'new-relic-user-api-key': `NRAK-${r(UD, 27)}`,
  'new-relic-insert-key': `NRII-${r(URL, 32)}`,
  'new-relic-browser-key': `NRJS-${r(HEX, 19)}`,
  'new-relic-license-key': `eu01x${r(HEX, 36)}NRAL`,
  'new-relic-admin-key': `NRAA-${r(HEX, 27)}`,
  'pagerduty-api-key': `PAGERDUTY_TOKEN=${r(AN, 20)}`,
  'dynatrace-api-token': `dt0c01.${r(UD, 24)}.${r(UD, 64)}`,
  'posthog-personal-key': `phx_${r(AN, 47)}`,
  'honeycomb-api-key': `HONEYCOMB_API_KEY=${r(AN, 22)}`,
  'launchdarkly-access-token': `sdk-${uuid()}`,
  'shopify-access-token': `shpat_${r(HEX, 32)}`,
  'shopify-custom-app-token': `shpca_${r(HEX, 32)}`,
  'shopify-private-app-token': `shppa_${r(HEX, 32)}`,
  'shopify-shared-secret': `shpss_${r(HEX, 32)}`,
  'asana-pat': `1/${r(D, 16)}:${r(AN, 32)}`,
  'asana-client-secret': `ASANA_CLIENT_SECRET=${r(LD, 32)}`,
  'linear-api-key': `lin_api_${r(AN, 40)}`,
  'linear-client-secret': `LINEAR_CLIENT_SECRET=${r(HEX, 32)}`,
  'notion-integration-token': `ntn_${r(AN, 46)}`,
  'notion-legacy-token': `NOTION_TOKEN=secret_${r(AN, 43)}`,
  'dropbox-short-lived-token': `sl.${r(URL, 140)}`,
  'dropbox-long-lived-token': `${r(LD, 11)}AAAAAAAAAA${r(URL, 43)}`,
  'dropbox-app-secret': `DROPBOX_APP_SECRET=${r(LD, 15)}`,
  'facebook-access-token': `EAAB${r(AN, 100)}`,
  'facebook-app-token': `${r(D, 16)}|${r(URL, 27)}`,
  'facebook-app-secret': `FACEBOOK_APP_SECRET=${r(HEX, 32)}`,
  'twitter-bearer-token': `AAAAAAAAAAAAAAAAAAAAA${r(`${AN}%`, 80)}`,
  'twitter-api-secret': `TWITTER_API_SECRET=${r(AN, 50)}`,
  'twitter-access-token': `TWITTER_ACCESS_TOKEN=${r(D, 19)}-${r(AN, 30)}`,
  'linkedin-client-secret': `LINKEDIN_CLIENT_SECRET=${r(AN, 16)}`,
  'okta-api-token': `OKTA_API_TOKEN=00${r(URL, 40)}`,
  'square-access-token': `sq0atp-${r(URL, 22)}`,
  'square-oauth-secret': `sq0csp-${r(URL, 43)}`,
  'braintree-access-token': `access_token$production$${r(LD, 16)}$${r(HEX, 32)}`,
  'paypal-client-secret': `PAYPAL_CLIENT_SECRET=${r(URL, 80)}`,
  'adyen-api-key': `AQEyhm${r(B64, 120)}`,
  'plaid-access-token': `access-sandbox-${uuid()}`,
  'plaid-secret': `PLAID_SECRET=${r(HEX, 30)}`,
  'coinbase-access-token': `COINBASE_ACCESS_TOKEN=${r(URL, 64)}`,
  'flutterwave-secret-key': `FLWSECK-${r('abcdefgh0123456789', 32)}-X`,
  'gocardless-api-token': `GOCARDLESS_TOKEN=live_${r(URL, 40)}`,
  'duffel-api-token': `duffel_live_${r(URL, 43)}`,
  'easypost-api-token': `EZAK${r(AN, 54)}`,
  'shippo-api-token': `shippo_live_${r(HEX, 40)}`,
  'hubspot-private-app-token': `pat-na1-${uuid()}`,
  'intercom-access-token': `INTERCOM_ACCESS_TOKEN=${r(AN, 60)}`,
  'zendesk-api-token': `ZENDESK_API_TOKEN=${r(AN, 40)}`,
  'algolia-admin-key': `ALGOLIA_ADMIN_KEY=${r(LD, 32)}`,
  'airtable-pat': `pat${r(AN, 14)}.${r(HEX, 64)}`,
  'airtable-api-key': `AIRTABLE_API_KEY=key${r(AN, 14)}`,
  'contentful-pat': `CFPAT-${r(URL, 43)}`,
  'contentful-delivery-token': `CONTENTFUL_DELIVERY_TOKEN=${r(URL, 43)}`,
  'figma-pat': `figd_${r(URL, 40)}`,
  'figma-legacy-token': `FIGMA_TOKEN=${r(D, 6)}-${uuid()}`,
  'fastly-api-token': `FASTLY_API_TOKEN=${r(URL, 32)}`,
  'typeform-pat': `tfp_${r(URL, 59)}`,
  'mapbox-secret-token': `sk.eyJ${r(URL, 60)}.${r(URL, 22)}`,
  'salesforce-access-token': `00D${r(AN, 15)}!${r(`${AN}._`, 100)}`,
  'wechat-app-secret': `WECHAT_APP_SECRET=${r(HEX, 32)}`,
  'microsoft-ntlm-auth': `Authorization: NTLM TlRMTVNTUAADAAAAGAAYAE${r(B64, 80)}`,
  'cloudinary-url': `CLOUDINARY_URL=cloudinary://${r(D, 15)}:${r(URL, 27)}@acme`,
  'sumologic-access-key': `SUMO_ACCESS_KEY=${r(AN, 64)}`,
  'rapidapi-key': `RAPIDAPI_KEY=${r(URL, 50)}`,
  'confluent-api-key': `CONFLUENT_API_KEY=${r(UD, 16)}`,
  'confluent-api-secret': `CONFLUENT_API_SECRET=${r(B64, 64)}`,
  'snowflake-password': `SNOWFLAKE_PASSWORD=${pw()}`,
  'snowflake-connection-string': `snowflake://svc:${pw()}@acme/db`,
  'kubernetes-bootstrap-token': `bootstrap_token: ${r(LD, 6)}.${r(LD, 16)}`,
  'openshift-user-token': `sha256~${r(URL, 43)}`,
  jwt: `Bearer-less ${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"42","name":"Jo"}')}.${r(URL, 43)}`,
  'jwk-private-key': `{"kty":"EC","crv":"P-256","d":"${r(URL, 43)}"}`,
  'http-basic-auth': `Authorization: Basic ${btoa(`admin:${pw()}`)}`,
  'http-bearer-token': `Authorization: Bearer ${r(AN, 40)}`,
  'generic-api-key-uuid': `api_key = "${uuid()}"`,
  'postgres-connection-string': `DATABASE_URL=postgres://app:${pw()}@db:5432/app`,
  'mysql-connection-string': `mysql://root:${pw()}@127.0.0.1/shop`,
  'mongodb-connection-string': `mongodb+srv://svc:${pw()}@cluster0.acme.net/test`,
  'redis-connection-string': `redis://default:${pw()}@cache:6379/0`,
  'amqp-connection-string': `amqps://rabbit:${pw()}@mq.acme.io/vhost`,
  'mssql-connection-string': `mssql://sa:${pw()}@sql.acme.io/db`,
  'jdbc-connection-string': `jdbc:db2://app:${pw()}@db/app`,
  'ldap-connection-string': `ldaps://cn=admin:${pw()}@ldap.acme.io`,
  'ftp-connection-string': `ftp://deploy:${pw()}@files.acme.io/www`,
  'smtp-connection-string': `smtps://mailer:${pw()}@smtp.acme.io:465`,
  'kafka-connection-string': `kafka://svc:${pw()}@broker:9092`,
  'ssh-connection-string': `ssh://git:${pw()}@git.acme.io/repo.git`,
  'http-url-credentials': `git clone https://deploy:${pw()}@git.acme.io/repo.git`,
  'ado-connection-string': `Server=tcp:db.acme.net,1433;Database=app;User ID=svc;Password=${pw()};`,
  'sql-identified-by': `CREATE USER 'app'@'localhost' IDENTIFIED BY '${pw()}';`,
  'sql-password-clause': `CREATE ROLE app WITH LOGIN PASSWORD '${pw()}';`,
  'curl-user-password': `curl -u admin:${pw()} https://api.acme.io/v1`,
  'powershell-secure-string': `$p = ConvertTo-SecureString "${pw()}" -AsPlainText -Force`,
  'htpasswd-hash': `admin:$apr1$${r(AN, 8)}$${r(`${AN}./`, 22)}`,
  'docker-config-auth': `{"auths":{"ghcr.io":{"auth":"${btoa(`bot:${pw()}`)}"}}}`,
  'npmrc-auth-token': `//registry.acme.io/:_authToken=${r(AN, 36)}`,
  'pypirc-password': `password = pypi-${r(URL, 80)}`,
  'rsa-private-key': pem('RSA PRIVATE KEY'),
  'ec-private-key': pem('EC PRIVATE KEY', 2),
  'dsa-private-key': pem('DSA PRIVATE KEY'),
  'openssh-private-key': pem('OPENSSH PRIVATE KEY'),
  'pgp-private-key': `-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${pemBody(4)}\n-----END PGP PRIVATE KEY BLOCK-----`,
  'encrypted-private-key': pem('ENCRYPTED PRIVATE KEY'),
  'pkcs8-private-key': pem('PRIVATE KEY'),
  'private-key-tail': `${r(B64, 50)}\n${r(B64, 30)}==\n-----END RSA PRIVATE KEY-----`,
  'base64-private-key': `tls.key: ${btoa(pem('PRIVATE KEY'))}`,
  'pem-body-line': `#6 0.245 ${r(B64, 64)}`,
  'generic-password': `db_password = "${pw()}"`,
  'generic-secret': `client_token: ${r(AN, 24)}`,
  'generic-high-entropy': `here is the key ${r(AN, 32)} for staging`,
};

const detector = createSecretsDetector({});
function scan(text: string, d = detector): Finding[] {
  return d.inspect([{ index: 0, source: 'user', path: 'messages[0].content', text }], {
    direction: 'input',
  }) as Finding[];
}

describe('secrets rules', () => {
  test('the catalogue has at least 150 rules with unique, prefixed ids', () => {
    assert.ok(SECRET_RULES.length >= 150, `only ${SECRET_RULES.length} rules`);
    const ids = SECRET_RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^secrets\.[a-z0-9]+(?:-[a-z0-9]+)*$/);
    for (const r of SECRET_RULES) assert.match(r.type, /^[A-Z][A-Z0-9_]*$/);
  });

  test('every rule has a positive sample', () => {
    const missing = SECRET_RULES.map((r) => r.id.slice('secrets.'.length)).filter((id) => !(id in SAMPLES));
    assert.deepEqual(missing, []);
  });

  for (const info of SECRET_RULES) {
    const id = info.id.slice('secrets.'.length);
    test(`${id} finds its sample`, () => {
      const text = SAMPLES[id];
      assert.ok(text !== undefined, `no sample for ${id}`);
      const findings = scan(text);
      const hit = findings.find((f) => f.detector === info.id);
      assert.ok(hit, `${id}: got ${JSON.stringify(findings.map((f) => f.detector))}`);
      assert.equal(hit.family, 'secrets');
      assert.equal(hit.type, info.type);
      assert.ok(hit.span !== null && hit.span.start >= 0 && hit.span.end <= text.length);
      assert.ok(hit.span.end > hit.span.start);
      assert.ok(hit.score >= 0.5 && hit.score <= 1);
    });
  }
});
