// The rules for health-check settings, one definition for both places they come from:
//   - the health checker's parameters (HealthCheckPath, HealthCheckTimeoutSeconds -> health/config.ts), checked at
//     cold start;
//   - the per-endpoint Registrator settings SERVICE_<port>_CHECK_HTTP / _CHECK_TCP / _CHECK_INTERVAL /
//     _CHECK_TIMEOUT (and the un-numbered SERVICE_CHECK_* forms) from task definitions and overrides
//     (parse/metadata.ts), checked when the registrar resolves a task's endpoints.
// An invalid per-endpoint setting is dropped (that part of the check uses the default) and reported by the
// registrar; the health checker re-applies checkSettingsOf to stored endpoints, so state written before these
// rules existed cannot make a probe that Node refuses to send.

/** HealthCheckPath's rule (template AllowedPattern ^(/[!-~]*)?$): visible ASCII after a leading "/". */
export const CHECK_PATH_RULE = 'must be empty or start with / (visible ASCII only: no spaces or control characters)';
/** HealthCheckTimeoutSeconds' range (template MinValue/MaxValue), also for SERVICE_<port>_CHECK_TIMEOUT. */
export const CHECK_TIMEOUT_SECONDS = { min: 0.1, max: 30 } as const;
/**
 * SERVICE_<port>_CHECK_INTERVAL's range. There is no global interval parameter (every run probes by default): the
 * bounds are those of GracePeriodSeconds, the other per-task duration (0 is excluded: "every run" is the default).
 */
export const CHECK_INTERVAL_SECONDS = { min: 1, max: 86_400 } as const;

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];
export const FLAG_RULE = `must be one of ${[...TRUE, ...FALSE].join(', ')}`;

export const isValidCheckPath = (path: string): boolean => path === '' || /^\/[\x21-\x7e]*$/.test(path);

const inRange = (seconds: number, range: { min: number; max: number }) =>
  Number.isFinite(seconds) && seconds >= range.min && seconds <= range.max;
export const isValidCheckTimeout = (seconds: number) => inRange(seconds, CHECK_TIMEOUT_SECONDS);
export const isValidCheckInterval = (seconds: number) => inRange(seconds, CHECK_INTERVAL_SECONDS);

/** "true"/"1"/"yes"/"on" -> true, "false"/"0"/"no"/"off" -> false (any case, trimmed), "" -> undefined, else null. */
export function parseFlag(value: string): boolean | undefined | null {
  const s = value.trim().toLowerCase();
  if (s === '') return undefined;
  if (TRUE.includes(s)) return true;
  if (FALSE.includes(s)) return false;
  return null;
}

/** Registrator durations: "10s", "1m", "500ms", "1h", "15" (seconds) -> seconds; undefined when malformed. */
export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(value);
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 0.001 : unit === 'm' ? 60 : unit === 'h' ? 3600 : 1;
  return n * factor;
}

/** Per-endpoint check settings, every value valid by the rules above (absent = the default). */
export interface HealthCheckSettings {
  /** HTTP path, starting with "/" */
  http?: string;
  tcp?: boolean;
  /** seconds, CHECK_INTERVAL_SECONDS */
  intervalSeconds?: number;
  /** seconds, CHECK_TIMEOUT_SECONDS */
  timeoutSeconds?: number;
}

/** The raw setting as found: the variable or label name that supplied it (for the report) and its value. */
export interface RawSetting {
  field: string;
  value: string;
}

export interface RawCheckSettings {
  http?: RawSetting;
  tcp?: RawSetting;
  interval?: RawSetting;
  timeout?: RawSetting;
}

export interface CheckSettingProblem {
  /** e.g. SERVICE_8080_CHECK_HTTP */
  field: string;
  value: string;
  rule: string;
}

const durationRule = (range: { min: number; max: number }) =>
  `must be a duration such as 2s or 500ms, from ${range.min} s to ${range.max} s`;
export const CHECK_TIMEOUT_RULE = durationRule(CHECK_TIMEOUT_SECONDS);
export const CHECK_INTERVAL_RULE = durationRule(CHECK_INTERVAL_SECONDS);

/**
 * Validates the SERVICE_<port>_CHECK_* strings of one endpoint. Empty values mean "not set". Each invalid value
 * becomes a problem and is left out of `check`, so that part of the endpoint's check falls back to the default.
 */
export function validateCheckSettings(raw: RawCheckSettings): {
  check: HealthCheckSettings;
  problems: CheckSettingProblem[];
} {
  const check: HealthCheckSettings = {};
  const problems: CheckSettingProblem[] = [];
  const reject = (setting: RawSetting, rule: string) => problems.push({ ...setting, rule });
  if (raw.http && raw.http.value !== '') {
    if (isValidCheckPath(raw.http.value)) check.http = raw.http.value;
    else reject(raw.http, CHECK_PATH_RULE);
  }
  if (raw.tcp) {
    const flag = parseFlag(raw.tcp.value);
    if (flag === null) reject(raw.tcp, FLAG_RULE);
    else if (flag) check.tcp = true;
  }
  const duration = (setting: RawSetting | undefined, valid: (s: number) => boolean, rule: string) => {
    if (!setting || setting.value.trim() === '') return undefined;
    const seconds = parseDuration(setting.value);
    if (seconds !== undefined && valid(seconds)) return seconds;
    reject(setting, rule);
    return undefined;
  };
  const interval = duration(raw.interval, isValidCheckInterval, CHECK_INTERVAL_RULE);
  if (interval !== undefined) check.intervalSeconds = interval;
  const timeout = duration(raw.timeout, isValidCheckTimeout, CHECK_TIMEOUT_RULE);
  if (timeout !== undefined) check.timeoutSeconds = timeout;
  return { check, problems };
}

/** Stored settings (from any earlier version) with every value the rules reject dropped. */
export function checkSettingsOf(stored: HealthCheckSettings | undefined): HealthCheckSettings {
  const check: HealthCheckSettings = {};
  if (typeof stored?.http === 'string' && stored.http !== '' && isValidCheckPath(stored.http)) check.http = stored.http;
  if (stored?.tcp === true) check.tcp = true;
  if (typeof stored?.intervalSeconds === 'number' && isValidCheckInterval(stored.intervalSeconds)) {
    check.intervalSeconds = stored.intervalSeconds;
  }
  if (typeof stored?.timeoutSeconds === 'number' && isValidCheckTimeout(stored.timeoutSeconds)) {
    check.timeoutSeconds = stored.timeoutSeconds;
  }
  return check;
}
