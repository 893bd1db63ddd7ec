/**
 * The run-time `global` section (kill switch and block lists) through the admin API. It lives in the
 * setting `policy.global`, which replaces the active policy's `global` without a new version or a restart.
 */
import { Global, validatePolicy } from '@parapet/core';
import { loadActivePolicy, loadEffectiveGlobal } from '../policy/active-policy.ts';
import { GLOBAL_SETTING_KEY } from '../policy/runtime.ts';
import type { SettingRecord } from '../store/ports.ts';
import type { AdminActor, AdminDeps } from './context.ts';
import { deploymentCatalogue, policyInvalid, refreshPolicy } from './policy-check.ts';
import { type AdminRoute, defineRoute } from './router.ts';
import {
  GlobalChanged,
  GlobalState,
  KillSwitchRequest,
  type PolicyIssue,
  PutGlobalRequest,
} from './schemas.ts';

export function globalRoutes(deps: AdminDeps): AdminRoute[] {
  const { store, config, logger } = deps;

  /** Writes the setting, applies it here at once, and answers what is now in force. */
  const write = async (global: Global, actor: AdminActor, warnings: PolicyIssue[]) => {
    const record = await store.putSetting(
      GLOBAL_SETTING_KEY,
      global,
      actor.name,
      new Date(deps.clock.wallMs()).toISOString(),
    );
    await refreshPolicy(deps);
    const active = await store.getActivePolicyVersion();
    return {
      source: 'setting' as const,
      policyVersion: active?.version ?? null,
      setting: settingMeta(record),
      global,
      warnings,
    };
  };

  /**
   * The `global` in force, for a read-modify-write that must work in an emergency: the setting when it
   * is valid, else the active policy's, else (a stored version that no longer parses) what this process
   * enforces, else the defaults.
   */
  const currentGlobal = async (): Promise<Global> => {
    const setting = await store.getSetting(GLOBAL_SETTING_KEY);
    const parsed = setting === null ? null : Global.safeParse(setting.value);
    if (parsed?.success) return parsed.data;
    try {
      return (await loadActivePolicy(store, config)).document.global;
    } catch (err) {
      logger.warn('the active policy version does not parse; starting from the global section in force', {
        error: err,
      });
      return deps.policy?.current().document.global ?? Global.parse({});
    }
  };

  return [
    defineRoute({
      method: 'GET',
      path: '/global',
      summary: 'The kill switch and block lists in force, and where they come from',
      permission: 'settings.read',
      response: GlobalState,
      async handle() {
        const effective = await loadEffectiveGlobal(store, config);
        return {
          source: effective.source,
          policyVersion: effective.policy.version,
          setting: effective.setting === null ? null : settingMeta(effective.setting),
          global: effective.global,
        };
      },
    }),

    defineRoute({
      method: 'PUT',
      path: '/global',
      summary: 'Replace the run-time global section (kill switch and block lists); names are checked',
      permission: 'settings.write',
      body: PutGlobalRequest,
      response: GlobalChanged,
      async handle({ body, actor }) {
        const active = await loadActivePolicy(store, config);
        const { issues } = validatePolicy(
          { groups: active.document.groups, global: body },
          await deploymentCatalogue(deps),
        );
        // Paths as in the body sent (`blocked_models[0]`), not inside a policy document.
        const found: PolicyIssue[] = issues
          .filter((i) => i.path[0] === 'global')
          .map((i) => ({
            path: i.path.slice(1),
            message: i.message,
            severity: i.severity,
            ...(i.suggestion === undefined ? {} : { suggestion: i.suggestion }),
          }));
        if (found.some((i) => i.severity === 'error')) throw policyInvalid('the global section', found);
        const answer = await write(body, actor, found);
        logger.info('global policy section replaced through the admin API', {
          kill_switch: body.block_all,
          revision: answer.setting.revision,
          by: actor.name,
        });
        return answer;
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/kill-switch',
      summary: 'Turn the kill switch on (block every request) or off, at once',
      permission: 'settings.write',
      body: KillSwitchRequest,
      response: GlobalChanged,
      async handle({ body, actor }) {
        const current = await currentGlobal();
        const next: Global = {
          ...current,
          block_all: body.on,
          ...(body.message === undefined ? {} : { message: body.message }),
        };
        const answer = await write(next, actor, []);
        logger.info(
          body.on
            ? 'kill switch turned on through the admin API'
            : 'kill switch turned off through the admin API',
          {
            revision: answer.setting.revision,
            by: actor.name,
          },
        );
        return answer;
      },
    }),
  ];
}

function settingMeta(record: SettingRecord) {
  return { revision: record.revision, updatedBy: record.updatedBy, updatedAt: record.updatedAt };
}
