import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { codeDefinition, createCodeDetector, guessLanguage } from '../../../src/detectors/code/code.ts';
import type { Detector } from '../../../src/detectors/contract.ts';
import type { Finding } from '../../../src/model/finding.ts';

const detector = createCodeDetector();
const scan = (text: string, d: Detector = detector): Finding[] =>
  d.inspect([{ index: 0, source: 'user', path: 'messages[0]', text }], { direction: 'input' }) as Finding[];

const SAMPLES: Record<string, string> = {
  python:
    'import os\n\ndef load(path):\n    with open(path) as f:\n        return f.read()\n\nif __name__ == "__main__":\n    print(load("x"))',
  javascript:
    "const fs = require('fs');\nfunction load(path) {\n  const text = fs.readFileSync(path, 'utf8');\n  console.log(text);\n  return text;\n}",
  typescript:
    'interface User {\n  id: number;\n  name: string;\n}\nexport function greet(user: User): string {\n  return "hi " + user.name;\n}',
  java: 'public class Main {\n    public static void main(String[] args) {\n        System.out.println("hello");\n    }\n}',
  csharp:
    'using System;\nnamespace Demo {\n    class Program {\n        static void Main() {\n            Console.WriteLine("hi");\n        }\n    }\n}',
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tx := 3\n\tfmt.Println(x)\n}',
  rust: 'fn main() {\n    let mut total = 0;\n    for i in 0..10 {\n        total += i;\n    }\n    println!("{}", total);\n}',
  c: '#include <stdio.h>\n#include <stdlib.h>\nint main(void) {\n    char *p = malloc(10);\n    printf("%p\\n", p);\n    free(p);\n    return 0;\n}',
  cpp: '#include <iostream>\n#include <vector>\nint main() {\n    std::vector<int> v{1, 2};\n    std::cout << v.size() << std::endl;\n    return 0;\n}',
  php: '<?php\n$name = "world";\necho $name;\nfunction greet($who) {\n    return "hi " . $who;\n}',
  ruby: 'require \'json\'\nclass Greeter\n  def greet(name)\n    puts "hi #{name}"\n  end\nend',
  sql: 'SELECT u.id, u.name\nFROM users u\nJOIN orders o ON o.user_id = u.id\nWHERE o.total > 100\nORDER BY u.name;',
  shell: '#!/bin/bash\nset -e\nfor f in *.log; do\n  grep -c error "$f" | sort\ndone',
  html: '<!DOCTYPE html>\n<html>\n<body>\n<div class="box"><p>Hello</p></div>\n</body>\n</html>',
  css: '.card {\n  padding: 12px;\n  color: #333;\n}\n#main > .title {\n  font-size: 2rem;\n}',
  kotlin:
    'data class User(val name: String)\nfun main() {\n    val user = User("a")\n    user.name?.let { println(it) }\n}',
  swift:
    'import SwiftUI\nstruct ContentView: View {\n    @State var count = 0\n    var body: some View {\n        Text("hi")\n    }\n}',
};

describe('code detector: unfenced code and language guess', () => {
  for (const [language, code] of Object.entries(SAMPLES)) {
    test(language, () => {
      const prefix = 'Can you explain what this does?\n\n';
      const text = `${prefix}${code}\n\nThanks a lot for your help.`;
      const findings = scan(text);
      assert.equal(findings.length, 1, JSON.stringify(findings));
      const [finding] = findings;
      assert.equal(finding!.family, 'code');
      assert.equal(finding!.type, language);
      assert.equal(finding!.detector, 'code.block');
      assert.ok(finding!.score >= 0.5);
      assert.equal(text.slice(finding!.span!.start, finding!.span!.end), code);
    });
  }
});

describe('code detector: fenced blocks', () => {
  test('a tagged fence names its language and the span covers the fences', () => {
    const block = '```ts\nconst x = 1;\n```';
    const text = `Fix this:\n${block}\nplease`;
    const [finding, ...rest] = scan(text);
    assert.equal(rest.length, 0);
    assert.equal(finding!.type, 'typescript');
    assert.equal(finding!.score, 0.95);
    assert.equal(text.slice(finding!.span!.start, finding!.span!.end), block);
  });

  test('an untagged fence is guessed; ~~~ fences and unclosed fences work', () => {
    const yaml = '~~~\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n~~~';
    assert.equal(scan(`Is this valid?\n${yaml}`)[0]?.type, 'yaml');
    const json = '```\n{\n  "name": "x",\n  "version": 2\n}\n```';
    assert.equal(scan(json)[0]?.type, 'json');
    const open = 'Here:\n```\ndef f(x):\n    return x * 2\n';
    const [finding] = scan(open);
    assert.equal(finding?.type, 'python');
    assert.equal(finding?.span?.end, open.length);
  });

  test('a fence of plain prose is not reported at the default threshold', () => {
    assert.deepEqual(
      scan('Translate this:\n```\nThe weather is lovely today and we are going out.\n```'),
      [],
    );
    assert.equal(scan('```text\nhello there\n```', createCodeDetector({ min_score: 0 })).length, 1);
  });
});

describe('code detector: prose is not code', () => {
  const prose = [
    'What is the function of the heart in the human body?',
    'The class of 2020 graduated online because of the pandemic.',
    'Write a function that returns the sum of two numbers in Python.',
    'If you were a tree, what would you be?\nFor example: an oak.\nWhile walking, think about it.',
    'Import duties rise in 2024.\nExport numbers fell; analysts were surprised.\nReturn policies changed too.',
    'Give me a recipe:\n- flour: 200g\n- sugar: 100g\n- eggs: 2',
    'Name: John Smith\nAge: 42\nCity: Paris',
    'print the following list in reverse order\nfor each item, say why\nreturn the result as a table',
    '1. Preheat the oven.\n2. Mix the flour and eggs.\n3. Bake for 20 minutes.',
    '',
  ];
  for (const text of prose) {
    test(JSON.stringify(text.slice(0, 40)), () => assert.deepEqual(scan(text), []));
  }
});

describe('code detector: settings and helpers', () => {
  test('languages filter, fenced/unfenced switches, schema validation', () => {
    const onlySql = createCodeDetector({ languages: ['sql'] });
    assert.deepEqual(scan(SAMPLES.python!, onlySql), []);
    assert.equal(scan(SAMPLES.sql!, onlySql).length, 1);
    assert.deepEqual(scan('```py\nx = 1\n```', createCodeDetector({ fenced: false })), []);
    assert.deepEqual(scan(SAMPLES.go!, createCodeDetector({ unfenced: false })), []);
    assert.throws(() => createCodeDetector({ min_lines: 1 }));
    assert.throws(() => codeDefinition.settings.parse({ languages: ['cobol'] }));
    assert.equal(codeDefinition.create(codeDefinition.settings.parse({})).family, 'code');
  });

  test('guessLanguage', () => {
    assert.equal(guessLanguage(SAMPLES.rust!.split('\n')).language, 'rust');
    assert.deepEqual(guessLanguage(['hello world']), { language: null, evidence: 0 });
  });

  test('CRLF line endings keep exact offsets', () => {
    const code = 'int main() {\r\n    printf("x");\r\n    return 0;\r\n}';
    const text = `look:\r\n${code}\r\n`;
    const [finding] = scan(text);
    assert.equal(text.slice(finding!.span!.start, finding!.span!.end), code);
  });
});
