import { createConfidentialDetector } from '../../../src/detectors/confidential/confidential.ts';
import { runDetectorContract } from '../detector-contract.ts';

runDetectorContract('confidential', () => createConfidentialDetector({}), {
  positives: [
    'STRICTLY CONFIDENTIAL\nBoard minutes',
    'Attorney–client privileged',
    'Classification: Restricted',
  ],
});
