import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicyFileError, parsePolicyText, readPolicyFile } from '../../src/policy/policy-file.ts';
import { offsetPosition, parseYamlSource, positionInYaml } from '../../src/policy/yaml-positions.ts';

const CONFIG = `# a parapet.yaml
models:
  gpt-4o-mini: { provider: openai }
policy:
  default: allow
  rules:
    - id: a
      when: { groups: [eng, ops] }
      action: blok
    - id: b
      actoin: block
      when:
        detections:
          pii: {}
      message: >
        folded
`;

describe('yamlPosition', () => {
  test('a scalar value: its own position (flow and block styles)', () => {
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 0, 'when', 'groups', 1]), {
      line: 8,
      column: 29,
    });
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 0, 'action']), { line: 9, column: 15 });
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'default']), { line: 5, column: 12 });
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 1, 'message']), { line: 15, column: 16 });
  });

  test('target key: the key of the last element (unknown keys)', () => {
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 1, 'actoin'], { target: 'key' }), {
      line: 11,
      column: 7,
    });
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 0, 'action'], { target: 'key' }), {
      line: 9,
      column: 7,
    });
  });

  test('a collection value points at its key, a list item at its start', () => {
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 1, 'when']), { line: 12, column: 7 });
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 1, 'when', 'detections', 'pii']), {
      line: 14,
      column: 11,
    });
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 1]), { line: 10, column: 7 });
    assert.deepEqual(positionInYaml(CONFIG, ['models', 'gpt-4o-mini']), { line: 3, column: 3 });
  });

  test('a missing key: the deepest node that exists (its key when reached through one)', () => {
    // rules[0] has no `route_to`: the rule itself.
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 0, 'route_to']), { line: 7, column: 7 });
    // `global` is missing: the `policy` key.
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'global', 'blocked_apps']), { line: 4, column: 1 });
    // An index past the end of a list: the list's key.
    assert.deepEqual(positionInYaml(CONFIG, ['policy', 'rules', 9, 'id']), { line: 6, column: 3 });
  });

  test('a key with no value, aliases, empty documents and texts without a newline', () => {
    const text = 'base: &b\n  x: 1\nempty:\ncopy: *b\n';
    assert.deepEqual(positionInYaml(text, ['empty']), { line: 3, column: 1 });
    assert.deepEqual(positionInYaml(text, ['copy', 'x']), { line: 2, column: 6 });
    assert.deepEqual(positionInYaml('', ['rules', 0]), { line: 1, column: 1 });
    assert.deepEqual(positionInYaml('a: 1', ['a']), { line: 1, column: 4 });
    const source = parseYamlSource('a: 1\nbé: 2\n');
    assert.deepEqual(offsetPosition(source, 9), { line: 2, column: 5 });
  });

  test('JSON text works the same', () => {
    const json = '{\n  "rules": [\n    {"id": "a", "action": "blok"}\n  ]\n}\n';
    assert.deepEqual(positionInYaml(json, ['rules', 0, 'action']), { line: 3, column: 27 });
  });
});

describe('parsePolicyText and readPolicyFile', () => {
  test('a parapet.yaml: the policy section, prefix [policy], and a policy-only text without the rest', () => {
    const source = parsePolicyText(CONFIG, 'parapet.yaml');
    assert.equal(source.kind, 'config');
    assert.deepEqual(source.prefix, ['policy']);
    assert.equal((source.raw as { default: string }).default, 'allow');
    assert.ok(!source.policyText.includes('models'));
    assert.deepEqual(parsePolicyText(source.policyText, 'x').raw, source.raw);
    assert.equal(parsePolicyText(source.policyText, 'x').kind, 'policy');
  });

  test('a bare document is kept verbatim', () => {
    const text = '# comment\nrules: []\n';
    const source = parsePolicyText(text, 'p.yaml');
    assert.deepEqual([source.kind, source.prefix, source.policyText], ['policy', [], text]);
  });

  test('YAML syntax errors, empty files, lists and config files without policy are located errors', () => {
    const cases: Array<[string, RegExp]> = [
      ['rules:\n  - id: a\n   action: [block\n', /^p\.yaml:\d+:\d+: error: yaml syntax error: /],
      ['', /^p\.yaml:1:1: error: the file is empty/],
      ['- a\n- b\n', /^p\.yaml:1:1: error: a policy must be a mapping/],
      [
        'models: {}\nserver: { port: 1 }\n',
        /^p\.yaml:1:1: error: this looks like a parapet\.yaml without a `policy:` section/,
      ],
      ['a: 1\na: 2\n', /^p\.yaml:2:1: error: yaml syntax error: map keys must be unique/],
    ];
    for (const [text, expected] of cases) {
      assert.throws(
        () => parsePolicyText(text, 'p.yaml'),
        (error: unknown) => error instanceof PolicyFileError && expected.test(error.message),
        text,
      );
    }
  });

  test('a missing file is a located error, not a crash', () => {
    assert.throws(
      () => readPolicyFile('nope.yaml', '/nonexistent-dir'),
      (error: unknown) =>
        error instanceof PolicyFileError &&
        error.message === 'nope.yaml:1:1: error: cannot read the file (no such file)',
    );
  });
});
