import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runCliCaptured } from '../helpers/cli.ts';

/** The deployment the policy CLI tests run against: two models, two upstreams. */
export const CONFIG_YAML = `upstreams:
  openai: { type: openai, api_key: sk-test }
  local: { type: openai, base_url: "http://127.0.0.1:9/v1" }
models:
  gpt-4o-mini: { provider: openai, tags: [public] }
  private-llm: { provider: local, model: llama-3.1-70b, tags: [private] }
`;

/** A fresh working directory with parapet.yaml (CONFIG_YAML) and the given files, removed after the tests. */
export function workspace(files: Record<string, string> = {}): { cwd: string; dataDir: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'parapet-policy-cli-'));
  after(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'parapet.yaml'), CONFIG_YAML);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  return { cwd, dataDir: join(cwd, 'data') };
}

/** Runs the CLI in `cwd` with an empty environment, capturing output. */
export async function run(
  argv: string[],
  cwd: string,
  options: { env?: Record<string, string>; now?: Date } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCaptured(argv, {
    cwd,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.now === undefined ? {} : { now: () => options.now! }),
  });
}
