import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createTopicClassifier,
  createTopicsDetector,
  DEFAULT_TOPICS,
  TopicsSettings,
  topicsDefinition,
} from '../../../src/detectors/topics/topics.ts';
import type { Segment } from '../../../src/model/segment.ts';
import { OFF_TOPIC, ON_TOPIC } from './topic-sentences.ts';

function segments(...texts: string[]): Segment[] {
  return texts.map((text, index) => ({ index, source: 'user', path: `messages[${index}].content[0]`, text }));
}

const ctx = { direction: 'input' } as const;

describe('default topic library', () => {
  test('has at least 20 topics with unique ids, keywords and examples', () => {
    assert.ok(DEFAULT_TOPICS.length >= 20);
    const ids = DEFAULT_TOPICS.map((t) => t.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const topic of DEFAULT_TOPICS) {
      assert.match(topic.id, /^[a-z][a-z0-9_]*$/);
      assert.ok(topic.keywords.length >= 5, `${topic.id} needs keywords`);
      assert.ok(topic.examples.length >= 5, `${topic.id} needs examples`);
    }
    for (const required of [
      'legal',
      'medical',
      'hr',
      'finance',
      'source_code',
      'customer_data',
      'security',
    ]) {
      assert.ok(ids.includes(required), required);
    }
    for (const required of [
      'politics',
      'religion',
      'weapons',
      'adult',
      'gambling',
      'job_search',
      'personal',
    ]) {
      assert.ok(ids.includes(required), required);
    }
    assert.ok(ids.includes('competitor'));
  });

  test('every default topic has test sentences', () => {
    assert.deepEqual(Object.keys(ON_TOPIC).sort(), DEFAULT_TOPICS.map((t) => t.id).sort());
  });
});

describe('topics detector', () => {
  const detector = createTopicsDetector({});

  for (const [topic, sentences] of Object.entries(ON_TOPIC)) {
    test(`labels sentences about ${topic}`, async () => {
      for (const sentence of sentences) {
        const findings = await detector.inspect(segments(sentence), ctx);
        const mine = findings.find((f) => f.type === topic);
        assert.ok(
          mine,
          `no \`${topic}\` finding for a ${topic} sentence (got ${findings.map((f) => f.type)})`,
        );
        assert.equal(mine.family, 'topics');
        assert.equal(mine.span, null);
        assert.equal(mine.segment, 0);
        assert.ok(mine.score >= 0.5 && mine.score <= 1);
      }
    });
  }

  test('gives no topic to off-topic sentences', async () => {
    for (const sentence of OFF_TOPIC) {
      const findings = await detector.inspect(segments(sentence), ctx);
      assert.deepEqual(
        findings.map((f) => f.type),
        [],
        `off-topic sentence got topics`,
      );
    }
  });

  test('reports per segment, best first, at most max_labels', async () => {
    const text =
      'Our lawyer says the lawsuit over the merger could delay the acquisition; also my Python script has a bug.';
    const findings = await createTopicsDetector({ max_labels: 2 }).inspect(
      segments('What is the capital of Australia?', text),
      ctx,
    );
    assert.ok(findings.length >= 1 && findings.length <= 2);
    for (const f of findings) assert.equal(f.segment, 1);
    for (let i = 1; i < findings.length; i++) assert.ok(findings[i - 1]!.score >= findings[i]!.score);
  });

  test('explanations name the topic and never quote the text', async () => {
    const secret = 'Zyxwvut';
    const findings = await detector.inspect(
      segments(`Is this non-compete clause enforceable in court? Ask ${secret}'s lawyer.`),
      ctx,
    );
    assert.ok(findings.length > 0);
    for (const f of findings) {
      assert.ok(f.explanation?.includes(`\`${f.type}\``));
      assert.ok(!f.explanation?.includes(secret));
    }
  });

  test('invisible characters and look-alike letters do not hide a topic', async () => {
    const hidden = 'Which casi\u200Bno has the best b\u0435tting odds for roulette?';
    const findings = await detector.inspect(segments(hidden), ctx);
    assert.ok(findings.some((f) => f.type === 'gambling'));
  });

  test('min_score filters labels', async () => {
    const strict = await createTopicsDetector({ min_score: 0.99 }).inspect(
      segments('What medication helps with a migraine that will not go away?'),
      ctx,
    );
    assert.ok(strict.every((f) => f.score >= 0.99));
    const lenient = await createTopicsDetector({ min_score: 0 }).inspect(segments('Hello there.'), ctx);
    assert.ok(lenient.length > 0);
  });

  test('is deterministic across runs and instances', async () => {
    const input = segments(...Object.values(ON_TOPIC).flat(), ...OFF_TOPIC);
    const first = await detector.inspect(input, ctx);
    assert.deepEqual(await detector.inspect(input, ctx), first);
    assert.deepEqual(await createTopicsDetector({}).inspect(input, ctx), first);
  });
});

describe('custom topics from config', () => {
  const settings = {
    custom: [
      {
        id: 'project_aurora',
        description: 'Our confidential satellite programme',
        examples: [
          'What is the launch date of the Aurora satellite?',
          'Summarize the Aurora propulsion test results.',
          'Who is on the Aurora ground station team?',
          'Draft the Aurora status update for the steering committee.',
        ],
        keywords: ['aurora', 'ground station'],
      },
    ],
  };

  test('labels texts like the examples', async () => {
    const findings = await createTopicsDetector(settings).inspect(
      segments('Can you list the open risks for the Aurora launch and the ground station?'),
      ctx,
    );
    assert.ok(findings.some((f) => f.type === 'project_aurora'));
  });

  test('works from examples alone, without keywords', async () => {
    const detector = createTopicsDetector({
      custom: [
        {
          id: 'kitchen',
          examples: [
            'How long should I bake the lasagna in the oven?',
            'Give me a recipe for vegetarian lasagna with spinach.',
            'What can I cook for dinner with pasta, spinach and ricotta?',
          ],
        },
      ],
    });
    const findings = await detector.inspect(
      segments('A recipe for lasagna with spinach and ricotta, please.'),
      ctx,
    );
    assert.ok(findings.some((f) => f.type === 'kitchen'));
    const other = await detector.inspect(segments('What is the capital of Australia?'), ctx);
    assert.ok(!other.some((f) => f.type === 'kitchen'));
  });

  test('disable turns a default topic off and a custom topic can replace a default one', async () => {
    const text = 'Which casino has the best odds for roulette?';
    const off = await createTopicsDetector({ disable: ['gambling'] }).inspect(segments(text), ctx);
    assert.ok(!off.some((f) => f.type === 'gambling'));
    const replaced = await createTopicsDetector({
      custom: [
        { id: 'gambling', examples: ['Buy a lottery ticket for the office pool.'], keywords: ['lottery'] },
      ],
    }).inspect(segments('Should we buy a lottery ticket together for the office pool?'), ctx);
    assert.ok(replaced.some((f) => f.type === 'gambling'));
  });

  test('invalid settings are reported when the detector is built', () => {
    assert.throws(
      () => createTopicsDetector({ disable: ['no_such_topic'] }),
      /unknown topic `no_such_topic`/,
    );
    assert.throws(
      () =>
        createTopicsDetector({
          custom: [
            { id: 'dup', examples: ['a b c'] },
            { id: 'dup', examples: ['d e f'] },
          ],
        }),
      /custom topic `dup` is defined twice/,
    );
    assert.throws(() => createTopicsDetector({ custom: [{ id: 'Bad Id', examples: ['x'] }] }));
    assert.throws(() => createTopicsDetector({ custom: [{ id: 'empty', examples: [] }] }));
    assert.equal(TopicsSettings.safeParse({ min_score: 2 }).success, false);
  });
});

describe('topicsDefinition and the classifier', () => {
  test('the definition builds the detector with family topics', () => {
    assert.equal(topicsDefinition.id, 'topics');
    assert.equal(topicsDefinition.family, 'topics');
    assert.ok(topicsDefinition.languages.includes('en'));
    const detector = topicsDefinition.create(topicsDefinition.settings.parse({}));
    assert.equal(detector.family, 'topics');
  });

  test('createTopicClassifier scores a text against any topic list', () => {
    const classifier = createTopicClassifier(
      [
        {
          id: 'birds',
          description: 'birds',
          keywords: ['parrot', 'sparrow'],
          examples: ['My parrot keeps chewing the cage.', 'What seeds do sparrows eat in winter?'],
        },
      ],
      { minScore: 0.5 },
    );
    assert.deepEqual(classifier.topics, ['birds']);
    const [label] = classifier.classify('Why does my parrot pull out its feathers?');
    assert.equal(label?.topic, 'birds');
    assert.ok((label?.keywords ?? 0) >= 1);
    assert.deepEqual(classifier.classify(''), []);
  });
});
