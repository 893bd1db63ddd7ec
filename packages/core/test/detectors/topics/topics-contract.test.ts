import { createTopicsDetector } from '../../../src/detectors/topics/topics.ts';
import { runDetectorContract } from '../detector-contract.ts';

// Topics have no span (a topic is about the whole segment), so the span-based positives do not apply here.
runDetectorContract('topics', () => createTopicsDetector({}));
