import { createToxicityDetector } from '../../../src/detectors/toxicity/index.ts';
import { runDetectorContract } from '../detector-contract.ts';

runDetectorContract('toxicity', () => createToxicityDetector({}), {
  positives: ['what the fuck is this', 'I will kill you tomorrow', 'you are a worthless idiot'],
});
