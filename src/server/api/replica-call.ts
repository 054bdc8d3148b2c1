/**
 * Promise wrappers over the replica's callbacks (the server is a real-world
 * folder: promises are fine here), and the mapping from a replica-level
 * failure to the API's error. Service refusals are *values* (a
 * `ServiceResult` with `ok: false`), so the caller decides how they travel
 * (idempotency replays them like successes).
 */
import type { Replica, ReplicaError, ReadConsistency } from '../../replica/api.js';
import type { Command, GetValue, ServiceResult } from '../../services/index.js';
import { SERVICE_ERROR_HTTP_STATUS } from '../../services/index.js';
import { ApiError } from '../http/errors.js';

export function submitCommand(replica: Replica, command: Command): Promise<ServiceResult<unknown>> {
  return new Promise((resolve, reject) => {
    replica.submit(command, (outcome) => {
      if (outcome.ok) resolve(outcome.result);
      else reject(replicaErrorToApi(outcome.error));
    });
  });
}

export function readKey(replica: Replica, key: string, consistency: ReadConsistency): Promise<GetValue> {
  return new Promise((resolve, reject) => {
    replica.get(key, consistency, (outcome) => {
      if (outcome.ok) resolve(outcome.result);
      else reject(replicaErrorToApi(outcome.error));
    });
  });
}

/**
 * `definite: false` means a write may still take effect (it timed out after
 * reaching the log): clients record such an outcome as unknown (`info`).
 */
export function replicaErrorToApi(e: ReplicaError): ApiError {
  const details = { definite: e.definite, leader: e.leader ?? null };
  switch (e.code) {
    case 'no_quorum':
    case 'not_leader':
      return new ApiError(503, 'no_quorum', e.message, details, { 'Retry-After': '1' });
    case 'overloaded':
      return new ApiError(503, 'overloaded', e.message, details, { 'Retry-After': '1' });
    case 'stopped':
      return new ApiError(503, 'unavailable', e.message, details, { 'Retry-After': '1' });
    case 'invalid':
      return new ApiError(400, 'invalid_request', e.message, { definite: true });
    default: {
      const never: never = e.code;
      return new ApiError(500, 'internal', `unknown replica error ${String(never)}`);
    }
  }
}

/** Command field → the name the HTTP API uses for it (so a 400 names what the client sent). */
const FIELD_NAMES: Readonly<Record<string, string>> = { leaseId: 'lease', lock: 'name' };

export function httpFieldName(commandField: string): string {
  const [head, ...rest] = commandField.split('.');
  const mapped = FIELD_NAMES[head!] ?? head!;
  return [mapped, ...rest].join('.');
}

/** A service refusal as the API error it becomes (status from SERVICE_ERROR_HTTP_STATUS). */
export function serviceErrorToApi(result: Extract<ServiceResult<unknown>, { ok: false }>): ApiError {
  const { code, message, details } = result.error;
  const status = SERVICE_ERROR_HTTP_STATUS[code] ?? 500;
  if (code === 'invalid_command' && details && typeof details.field === 'string') {
    return new ApiError(400, 'invalid_request', message, { ...details, field: httpFieldName(details.field) });
  }
  return new ApiError(status, code, message, details);
}
