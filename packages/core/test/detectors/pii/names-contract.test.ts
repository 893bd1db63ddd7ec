import { createNamesDetector } from '../../../src/detectors/pii/names-detector.ts';
import { runDetectorContract } from '../detector-contract.ts';

runDetectorContract('pii.names', () => createNamesDetector({}), {
  positives: [
    'My name is Maria García.',
    'Send it to 12 Baker Street, please.',
    'I work for Acme Holdings Ltd.',
  ],
});
