/** `parapet analytics rebuild`: recomputes the analytics rollups from the stored events. */
import { defineCommand, EXIT } from '../command.ts';
import { CONFIG_OPTIONS, loadCommandConfig } from '../shared-options.ts';

export const analyticsRebuildCommand = defineCommand({
  name: 'analytics rebuild',
  summary: 'Recompute the analytics rollups from every stored event',
  description:
    'Empty the analytics rollups (the minute, hour and day counts behind the overview and people & apps) and add every stored event again, in one transaction. Run it once after upgrading a database whose events were stored before the rollups existed. Stop the gateways first: while it runs, their event writes wait.',
  options: [...CONFIG_OPTIONS, { name: 'json', type: 'boolean', description: 'Print `{"events": n}`' }],
  examples: ['parapet analytics rebuild', 'parapet analytics rebuild --database-url postgres://…'],
  async run({ options, io }) {
    const config = loadCommandConfig(options, io);
    const { openStore } = await import('../../store/index.ts');
    const { rebuildAnalyticsRollups } = await import('../../store/analytics-rebuild.ts');
    const store = await openStore({ url: config.database.url, dataDir: config.data_dir });
    try {
      const started = Date.now();
      const events = await rebuildAnalyticsRollups(store);
      if (options.json) io.stdout.write(`${JSON.stringify({ events })}\n`);
      else
        io.stderr.write(
          `rebuilt the analytics rollups from ${events} events in ${Date.now() - started} ms\n`,
        );
      return EXIT.OK;
    } finally {
      await store.close();
    }
  },
});
