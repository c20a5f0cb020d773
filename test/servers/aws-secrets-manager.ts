// AWS Secrets Manager's wire protocol (awsJson1_1): `POST /` with `X-Amz-Target:
// secretsmanager.<Operation>`, `Content-Type: application/x-amz-json-1.1`, a SigV4 Authorization
// header (verified here, with the test's secret key), and errors as `{"__type", "message"}`.
// GetSecretValue and BatchGetSecretValue (20 ids per call, NextToken pages, per-secret Errors),
// ListSecretVersionIds (IncludeDeprecated, MaxResults pages),
// PutSecretValue and CreateSecret (ClientRequestToken is the new VersionId; a retried token with
// the same value is the same version, with another value it is ResourceExistsException).
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { serveLocal, type IncomingCall, type LocalServer, type Reply } from './harness.js';

interface SmVersion {
  id: string;
  stages: Set<string>;
  string?: string;
  binary?: Buffer;
  created: number;
}

interface SmSecret {
  name: string;
  arn: string;
  versions: SmVersion[];
}

export interface FakeSecretsManagerOptions {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Values per BatchGetSecretValue page; a real account returns up to 20. */
  pageSize?: number;
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export class FakeSecretsManager {
  readonly secrets = new Map<string, SmSecret>();
  /** Operations called, with the ids asked for: tests count store reads here. */
  readonly calls: Array<{ op: string; ids: string[] }> = [];
  /** The caller's policy allows GetSecretValue but not BatchGetSecretValue. */
  denyBatch = false;
  /** Secrets the caller may not read (per-secret AccessDeniedException). */
  readonly denied = new Set<string>();
  /** The caller's policy allows reading but not PutSecretValue / CreateSecret. */
  denyWrites = false;

  constructor(readonly opts: FakeSecretsManagerOptions) {}

  /** PutSecretValue: the new version becomes AWSCURRENT, the old one AWSPREVIOUS. Returns its VersionId. */
  put(name: string, value: string | { binary: Buffer }, extraStages: string[] = [], versionId: string = randomUUID()): string {
    const secret = this.secrets.get(name) ?? { name, arn: `arn:aws:secretsmanager:${this.opts.region}:123456789012:secret:${name}-${randomUUID().slice(0, 6)}`, versions: [] };
    this.secrets.set(name, secret);
    for (const v of secret.versions) {
      v.stages.delete('AWSPREVIOUS');
      if (v.stages.delete('AWSCURRENT')) v.stages.add('AWSPREVIOUS');
    }
    const id = versionId;
    const version: SmVersion = { id, stages: new Set(['AWSCURRENT', ...extraStages]), created: Math.max(Date.now() / 1000, ...secret.versions.map((v) => v.created + 0.001)) };
    if (typeof value === 'string') version.string = value;
    else version.binary = value.binary;
    secret.versions.push(version);
    return id;
  }

  handle(call: IncomingCall): Reply {
    const target = String(call.headers['x-amz-target'] ?? '');
    const op = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
    const note = `target=${target || '-'}`;
    if (call.method !== 'POST' || call.path !== '/') return fail(404, 'UnknownOperationException', 'Unknown operation', note);
    if (call.headers['content-type'] !== JSON_TYPE) return fail(400, 'SerializationException', 'Unsupported content type', note);
    const authError = this.verify(call);
    if (authError) return { ...authError, note: `${note} ${authError.note ?? ''}` };
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(call.body) as Record<string, unknown>;
    } catch {
      return fail(400, 'SerializationException', 'Malformed JSON', note);
    }
    if (op === 'GetSecretValue') return this.getSecretValue(input, note);
    if (op === 'BatchGetSecretValue') return this.batchGetSecretValue(input, note);
    if (op === 'PutSecretValue' || op === 'CreateSecret') return this.write(op, input, note);
    if (op === 'ListSecretVersionIds') return this.listSecretVersionIds(input, note);
    return fail(400, 'UnknownOperationException', `Unknown operation ${op}`, note);
  }

  private getSecretValue(input: Record<string, unknown>, note: string): Reply {
    const id = String(input.SecretId ?? '');
    this.calls.push({ op: 'GetSecretValue', ids: [id] });
    const stage = typeof input.VersionStage === 'string' ? input.VersionStage : undefined;
    const versionId = typeof input.VersionId === 'string' ? input.VersionId : undefined;
    const detail = `${note} id=${id}${versionId ? ` VersionId=${versionId}` : ''}${stage ? ` VersionStage=${stage}` : ''}`;
    const secret = this.find(id);
    if (!secret) return fail(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.", detail);
    if (this.denied.has(secret.name)) return fail(400, 'AccessDeniedException', accessDenied('GetSecretValue'), detail);
    const version = secret.versions.find((v) => (versionId ? v.id === versionId : v.stages.has(stage ?? 'AWSCURRENT')));
    if (!version || (stage && !version.stages.has(stage))) {
      const what = versionId ? `VersionId: ${versionId}` : `staging label: ${stage ?? 'AWSCURRENT'}`;
      return fail(400, 'ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${what}`, detail);
    }
    return { status: 200, headers: headers(), body: entry(secret, version), note: detail };
  }

  private write(op: 'PutSecretValue' | 'CreateSecret', input: Record<string, unknown>, note: string): Reply {
    const id = String((op === 'CreateSecret' ? input.Name : input.SecretId) ?? '');
    this.calls.push({ op, ids: [id] });
    const detail = `${note} id=${id}`;
    if (this.denyWrites) return fail(400, 'AccessDeniedException', accessDenied(op), detail);
    if (!id) return fail(400, 'InvalidParameterException', `${op === 'CreateSecret' ? 'Name' : 'SecretId'} is required.`, detail);
    if (typeof input.SecretString !== 'string' && typeof input.SecretBinary !== 'string') {
      return fail(400, 'InvalidParameterException', 'You must provide either SecretString or SecretBinary.', detail);
    }
    const value = typeof input.SecretString === 'string' ? input.SecretString : { binary: Buffer.from(String(input.SecretBinary), 'base64') };
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
    const existing = this.find(id);
    if (op === 'CreateSecret' && existing) return fail(400, 'ResourceExistsException', `The operation failed because the secret ${id} already exists.`, detail);
    if (op === 'PutSecretValue' && !existing) return fail(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.", detail);
    const replay = token ? existing?.versions.find((v) => v.id === token) : undefined;
    if (replay) {
      const same = typeof value === 'string' ? replay.string === value : replay.binary?.equals(value.binary);
      if (!same) return fail(400, 'ResourceExistsException', 'You can’t modify an existing version, you can only create a new version.', detail);
      return { status: 200, headers: headers(), body: { ARN: existing!.arn, Name: existing!.name, VersionId: replay.id, VersionStages: [...replay.stages] }, note: `${detail} replayed` };
    }
    const versionId = this.put(existing?.name ?? id, value, [], token);
    const secret = this.find(id)!;
    const body = op === 'CreateSecret' ? { ARN: secret.arn, Name: secret.name, VersionId: versionId } : { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: ['AWSCURRENT'] };
    return { status: 200, headers: headers(), body, note: `${detail} written` };
  }

  /**
   * ListSecretVersionIds: versions with a staging label, or all of them with IncludeDeprecated;
   * MaxResults per page (default 100 here) and an opaque NextToken. Values are never in the answer.
   */
  private listSecretVersionIds(input: Record<string, unknown>, note: string): Reply {
    const id = String(input.SecretId ?? '');
    this.calls.push({ op: 'ListSecretVersionIds', ids: [id] });
    const detail = `${note} id=${id}`;
    const secret = this.find(id);
    if (!secret) return fail(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.", detail);
    if (this.denied.has(secret.name)) return fail(400, 'AccessDeniedException', accessDenied('ListSecretVersionIds'), detail);
    const max = typeof input.MaxResults === 'number' ? input.MaxResults : 100;
    if (!Number.isInteger(max) || max < 1 || max > 100) return fail(400, 'InvalidParameterException', 'MaxResults must be between 1 and 100.', detail);
    const all = secret.versions.filter((v) => input.IncludeDeprecated === true || v.stages.size > 0);
    let offset = 0;
    if (input.NextToken !== undefined) {
      const m = /^v(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64').toString());
      if (!m) return fail(400, 'InvalidNextTokenException', 'The NextToken value is invalid.', detail);
      offset = Number(m[1]);
    }
    const page = all.slice(offset, offset + max);
    const next = offset + max < all.length ? Buffer.from(`v${offset + max}`).toString('base64') : undefined;
    return {
      status: 200,
      headers: headers(),
      body: { ARN: secret.arn, Name: secret.name, Versions: page.map((v) => ({ VersionId: v.id, VersionStages: [...v.stages], CreatedDate: v.created })), ...(next ? { NextToken: next } : {}) },
      note: `${detail} versions=${page.length}`,
    };
  }

  private batchGetSecretValue(input: Record<string, unknown>, note: string): Reply {
    const ids = Array.isArray(input.SecretIdList) ? input.SecretIdList.map(String) : undefined;
    this.calls.push({ op: 'BatchGetSecretValue', ids: ids ?? [] });
    const detail = `${note} ids=${(ids ?? []).length}`;
    if (this.denyBatch) return fail(400, 'AccessDeniedException', accessDenied('BatchGetSecretValue'), detail);
    if (!ids || input.Filters !== undefined) return fail(400, 'InvalidParameterException', 'Specify either SecretIdList or Filters (this server supports SecretIdList).', detail);
    if (ids.length > 20) {
      return fail(400, 'ValidationException', "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20", detail);
    }
    const listHash = createHash('sha256').update(ids.join('\0')).digest('hex').slice(0, 16);
    let offset = 0;
    if (input.NextToken !== undefined) {
      const m = /^(\d+)\.([0-9a-f]{16})$/.exec(Buffer.from(String(input.NextToken), 'base64').toString());
      if (!m || m[2] !== listHash) return fail(400, 'InvalidNextTokenException', 'The NextToken value is invalid.', detail);
      offset = Number(m[1]);
    }
    const size = this.opts.pageSize ?? 20;
    const page = ids.slice(offset, offset + size);
    const values: unknown[] = [];
    const errors: unknown[] = [];
    for (const id of page) {
      const secret = this.find(id);
      const current = secret?.versions.find((v) => v.stages.has('AWSCURRENT'));
      if (!secret || !current) errors.push({ SecretId: id, ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
      else if (this.denied.has(secret.name)) errors.push({ SecretId: id, ErrorCode: 'AccessDeniedException', Message: accessDenied('GetSecretValue') });
      else values.push(entry(secret, current));
    }
    const next = offset + size < ids.length ? Buffer.from(`${offset + size}.${listHash}`).toString('base64') : undefined;
    return {
      status: 200,
      headers: headers(),
      body: { SecretValues: values, Errors: errors, ...(next ? { NextToken: next } : {}) },
      note: `${detail} page=${offset / size + 1} values=${values.length} errors=${errors.length}`,
    };
  }

  private find(id: string): SmSecret | undefined {
    return this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
  }

  /** SigV4, as AWS checks it: shape, known access key, scope, clock skew, then the signature itself. */
  private verify(call: IncomingCall): Reply | undefined {
    const header = call.headers.authorization;
    if (!header) return fail(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token', '');
    const m = AUTH.exec(header);
    if (!m) return fail(400, 'IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature.', '');
    const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
    if (keyId !== this.opts.accessKeyId) return fail(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.', '');
    if (region !== this.opts.region || service !== 'secretsmanager') {
      return fail(400, 'InvalidSignatureException', `Credential should be scoped to a valid region and service.`, '');
    }
    const amzDate = String(call.headers['x-amz-date'] ?? '');
    const when = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!amzDate.startsWith(date!) || !Number.isFinite(when) || Math.abs(Date.now() - when) > 15 * 60_000) {
      return fail(400, 'InvalidSignatureException', 'Signature expired or X-Amz-Date is missing.', '');
    }
    const names = signedHeaders!.split(';');
    if (!names.includes('host') || !names.includes('x-amz-date')) return fail(400, 'InvalidSignatureException', 'host and x-amz-date must be signed.', '');
    const canonicalHeaders = names.map((n) => `${n}:${String(call.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const payloadHash = createHash('sha256').update(call.body).digest('hex');
    const canonical = ['POST', '/', '', canonicalHeaders, signedHeaders, payloadHash].join('\n');
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${this.opts.secretAccessKey}`, date!), region), service), 'aws4_request');
    if (createHmac('sha256', signingKey).update(toSign).digest('hex') !== signature) {
      return fail(
        400,
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        '',
      );
    }
    return undefined;
  }
}

function entry(secret: SmSecret, v: SmVersion) {
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: v.id,
    ...(v.string !== undefined ? { SecretString: v.string } : { SecretBinary: v.binary!.toString('base64') }),
    VersionStages: [...v.stages],
    CreatedDate: v.created,
  };
}

function accessDenied(action: string): string {
  return `User: arn:aws:iam::123456789012:user/paystrator is not authorized to perform: secretsmanager:${action} because no identity-based policy allows the secretsmanager:${action} action`;
}

function headers(): Record<string, string> {
  return { 'content-type': JSON_TYPE, 'x-amzn-requestid': randomUUID() };
}

function fail(status: number, type: string, message: string, note: string): Reply {
  return { status, headers: headers(), body: { __type: type, message }, note: `${note} error=${type}`.trim() };
}

export async function serveSecretsManager(sm: FakeSecretsManager): Promise<LocalServer> {
  return serveLocal('aws-secrets-manager', (call) => sm.handle(call));
}
