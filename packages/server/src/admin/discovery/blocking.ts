/**
 * Blocked services feed the policy's block lists: blocking a discovered service adds its catalog id to
 * the run-time `global.blocked_apps` (the `policy.global` setting, as `PUT /global` writes it) and
 * applies it at once; unblocking removes it. Requests through the gateway whose principal's app carries
 * that name are then blocked; direct use of the service is for the proxy, through
 * `GET /discovery/blocklist`.
 */
import { Global } from '@parapet/core';
import { loadEffectiveGlobal } from '../../policy/active-policy.ts';
import { GLOBAL_SETTING_KEY } from '../../policy/runtime.ts';
import type { AdminDeps } from '../context.ts';
import { refreshPolicy } from '../policy-check.ts';

/**
 * The `global` section in force, for a read-modify-write that must work even when the active policy
 * version no longer parses: the setting when valid, else the active policy's, else this process's.
 */
async function currentGlobal(deps: AdminDeps): Promise<Global> {
  try {
    return (await loadEffectiveGlobal(deps.store, deps.config)).global;
  } catch (err) {
    const setting = await deps.store.getSetting(GLOBAL_SETTING_KEY);
    const parsed = setting === null ? null : Global.safeParse(setting.value);
    if (parsed?.success) return parsed.data;
    deps.logger.warn('the active policy does not parse; starting from the global section in force', {
      error: err,
    });
    return deps.policy?.current().document.global ?? Global.parse({});
  }
}

/** The run-time `global.blocked_apps` now in force. */
export async function currentBlockedApps(deps: AdminDeps): Promise<string[]> {
  return [...(await currentGlobal(deps)).blocked_apps];
}

/**
 * Adds (`blocked: true`) or removes the app name in `global.blocked_apps`, writing the setting and
 * refreshing this process's policy only when the list changes. Answers the list after the change.
 */
export async function setAppBlocked(
  deps: AdminDeps,
  app: string,
  blocked: boolean,
  by: string,
): Promise<{ blockedApps: string[]; changed: boolean }> {
  const global = await currentGlobal(deps);
  const has = global.blocked_apps.includes(app);
  if (has === blocked) return { blockedApps: [...global.blocked_apps], changed: false };
  const blockedApps = blocked ? [...global.blocked_apps, app] : global.blocked_apps.filter((a) => a !== app);
  const next: Global = { ...global, blocked_apps: blockedApps };
  await deps.store.putSetting(GLOBAL_SETTING_KEY, next, by, new Date(deps.clock.wallMs()).toISOString());
  await refreshPolicy(deps);
  deps.logger.info(blocked ? 'discovered service blocked for gateway apps' : 'discovered service unblocked', {
    app,
    by,
  });
  return { blockedApps, changed: true };
}
