import { isPlaceholder } from './heuristics.ts';
import { rule, type SecretRule } from './rule.ts';

/*
 * Credentials embedded in text: URLs and connection strings with passwords, SQL statements that set a
 * password, command lines that pass one. The value (capture group 1) is what gets reported.
 */

/** Values that stand for a password rather than being one. */
const PASSWORD_WORDS = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'changeme',
  'null',
  'none',
  'true',
  'false',
  'undefined',
  'string',
  'required',
  'empty',
  'redacted',
]);

/** False for placeholder passwords (`password`, `${DB_PASS}`, `****`, `<pass>`). */
export function plausiblePassword(value: string): boolean {
  const v = value.replace(/^["'`]|["'`]$/g, '');
  if (v.length < 3) return false;
  if (PASSWORD_WORDS.has(v.toLowerCase())) return false;
  if (isPlaceholder(v)) return false;
  if (/^[*x.#?-]{1,128}$/i.test(v)) return false;
  if (v.startsWith('$') || v.startsWith('%') || v.startsWith('{') || v.startsWith('[')) return false;
  return true;
}

const USER = '[^:@/\\s"\'<>]{0,128}';
const PASS = '([^@/\\s"\'<>]{1,128})';

/** `scheme://user:password@host` for one family of schemes. */
function uriRule(id: string, keywords: string[], schemes: string, description: string): SecretRule {
  return rule(id, 'CONNECTION_STRING', keywords, `(?:${schemes})://${USER}:${PASS}@`, description, {
    ci: true,
    score: 0.95,
    validate: plausiblePassword,
  });
}

/** Connection-string and embedded-credential rules. */
export const CREDENTIAL_RULES: readonly SecretRule[] = [
  uriRule(
    'postgres-connection-string',
    ['postgres'],
    'postgres(?:ql)?(?:\\+[a-z0-9]{1,16})?',
    'PostgreSQL URL with a password',
  ),
  uriRule(
    'mysql-connection-string',
    ['mysql', 'mariadb'],
    '(?:mysql|mariadb)(?:\\+[a-z0-9]{1,16})?',
    'MySQL / MariaDB URL with a password',
  ),
  uriRule('mongodb-connection-string', ['mongodb'], 'mongodb(?:\\+srv)?', 'MongoDB URL with a password'),
  uriRule('redis-connection-string', ['redis'], 'rediss?', 'Redis URL with a password'),
  uriRule('amqp-connection-string', ['amqp'], 'amqps?', 'AMQP (RabbitMQ) URL with a password'),
  uriRule(
    'mssql-connection-string',
    ['mssql', 'sqlserver'],
    'mssql|sqlserver',
    'SQL Server URL with a password',
  ),
  uriRule('jdbc-connection-string', ['jdbc:'], 'jdbc:[a-z0-9]{2,20}', 'JDBC URL with a password'),
  uriRule('ldap-connection-string', ['ldap'], 'ldaps?', 'LDAP URL with a password'),
  uriRule('ftp-connection-string', ['ftp', 'sftp'], 's?ftps?', 'FTP URL with a password'),
  uriRule('smtp-connection-string', ['smtp'], 'smtps?', 'SMTP URL with a password'),
  uriRule('kafka-connection-string', ['kafka', 'nats'], 'kafka|nats', 'Kafka / NATS URL with a password'),
  uriRule('ssh-connection-string', ['ssh://', 'git+ssh'], 'ssh|git\\+ssh', 'SSH URL with a password'),
  uriRule('http-url-credentials', ['http'], 'https?', 'HTTP(S) URL with a user name and password'),
  rule(
    'url-credentials',
    'CONNECTION_STRING',
    ['://'],
    // The scheme is checked by a look-behind AFTER the literal `://` (so the match still starts at `://`):
    // a pattern that opens with a look-behind is tried at every position, one that opens with a literal
    // lets V8 jump from one `://` to the next (about ten times faster on a text with a URL in it).
    `://(?<=(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,24}://)${USER}:${PASS}@[A-Za-z0-9[]`,
    'URL of any scheme with a user name and password (user info before the host)',
    { score: 0.9, validate: plausiblePassword },
  ),
  rule(
    'ado-connection-string',
    'CONNECTION_STRING',
    ['password=', 'pwd=', 'password =', 'pwd ='],
    '(?:Server|Data Source|Host|Address|Addr|Network Address|Uid|User ?Id|User ?Name|User|Database|Initial Catalog|Driver|Provider|DSN)\\s{0,2}=[^;\\n]{1,200};[^\\n]{0,400}?(?:Password|Pwd)\\s{0,2}=\\s{0,2}([^;"\'\\s]{1,128})',
    'ADO.NET / ODBC connection string with a password',
    { ci: true, score: 0.9, validate: plausiblePassword },
  ),
  rule(
    'cloud-connection-string-key',
    'CONNECTION_STRING',
    ['accountkey=', 'accesskey=', 'secret=', 'primarykey=', 'sharedaccesssignature='],
    '(?:Endpoint|AccountName|HostName|DefaultEndpointsProtocol|Id)\\s{0,2}=[^\\n]{0,400}?;\\s{0,2}(?:AccountKey|SharedAccessKey|AccessKey|Secret|PrimaryKey|SecondaryKey|SharedAccessSignature)\\s{0,2}=\\s{0,2}([A-Za-z0-9+/%&=._-]{20,400})',
    'key inside a cloud connection string (Azure Storage, Service Bus, Event Hubs, IoT Hub, SignalR, App Configuration)',
    { ci: true, score: 0.9 },
  ),
  rule(
    'sql-identified-by',
    'PASSWORD',
    ['identified'],
    '(?:USER|ROLE|LOGIN|GRANT)\\s[^;\\n]{0,200}?IDENTIFIED\\s{1,3}(?:WITH\\s{1,3}[A-Za-z0-9_]{1,40}\\s{1,3})?BY\\s{1,3}(?:PASSWORD\\s{1,3})?[\'"]?([^\\s;\'"]{1,128})',
    'SQL statement setting a password (IDENTIFIED BY)',
    { ci: true, score: 0.85, validate: plausiblePassword },
  ),
  rule(
    'sql-password-clause',
    'PASSWORD',
    ['password'],
    "(?:CREATE|ALTER)\\s{1,3}(?:USER|ROLE|LOGIN)\\s{1,3}[^;\\n]{1,200}?(?<![A-Za-z0-9_])PASSWORD(?![A-Za-z0-9_])\\s{0,3}=?\\s{0,3}'?([A-Za-z0-9!@#$%^&*_+.-]{4,128})",
    'SQL CREATE/ALTER USER|ROLE|LOGIN with a password',
    { ci: true, score: 0.85, validate: plausiblePassword },
  ),
  rule(
    'curl-user-password',
    'PASSWORD',
    ['curl'],
    'curl\\s(?:[^\\n]{0,200}?\\s)?(?:-u|--user)\\s{1,3}["\']?[^:\\s"\']{1,64}:([^\\s"\']{1,128})',
    'password passed to curl with -u user:password',
    { score: 0.85, validate: plausiblePassword },
  ),
  rule(
    'powershell-secure-string',
    'PASSWORD',
    ['convertto-securestring'],
    'ConvertTo-SecureString\\s{1,3}(?:-String\\s{1,3})?(?:-[A-Za-z]{1,20}\\s{1,3}){0,3}["\']?([^\\s"\'|]{4,128})',
    'plain-text password passed to ConvertTo-SecureString',
    { ci: true, score: 0.85, validate: plausiblePassword },
  ),
  rule(
    'htpasswd-hash',
    'PASSWORD',
    ['$apr1$', '$2y$', '$2a$', '$2b$'],
    '(?<![A-Za-z0-9_])[A-Za-z0-9_.-]{1,64}:(\\$(?:apr1|2[aby])\\$[A-Za-z0-9./$]{20,60})',
    'password hash in htpasswd format',
    { score: 0.7 },
  ),
  rule(
    'docker-config-auth',
    'PASSWORD',
    ['"auth"'],
    '"auth"\\s{0,3}:\\s{0,3}"([A-Za-z0-9+/]{12,512}={0,2})"',
    'registry credentials in a Docker config.json',
    { score: 0.85 },
  ),
  rule(
    'npmrc-auth-token',
    'NPM_TOKEN',
    ['_authtoken'],
    '_authToken\\s{0,3}=\\s{0,3}([A-Za-z0-9_.=+/-]{20,256})',
    'registry token in an .npmrc file',
    { ci: true, score: 0.9, validate: plausiblePassword },
  ),
  rule(
    'pypirc-password',
    'PYPI_TOKEN',
    ['pypi-'],
    '(?:password|token)\\s{0,3}[:=]\\s{0,3}(pypi-[A-Za-z0-9_-]{50,400})',
    'PyPI token in a .pypirc file',
    { ci: true, score: 0.95 },
  ),
];
