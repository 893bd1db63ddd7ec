import { createPiiDetector } from '../../../src/detectors/pii/index.ts';
import { runDetectorContract } from '../detector-contract.ts';

runDetectorContract('pii', () => createPiiDetector({}), {
  positives: [
    'mail me at jane.roe@example.org',
    'card 4111 1111 1111 1111',
    'IBAN GB82 WEST 1234 5698 7654 32',
  ],
});
