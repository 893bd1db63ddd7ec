import {
  createFingerprintDetector,
  fingerprintDocument,
} from '../../../src/detectors/fingerprint/fingerprint.ts';
import { runDetectorContract } from '../detector-contract.ts';

const DOCUMENT =
  'The merger committee approved the revised offer for the northern plant after the second audit ' +
  'found the warehouse reserve understated by four million, and the board asked treasury to hedge ' +
  'the currency exposure before the announcement planned for the first week of the next quarter.';
const documents = [{ id: 'doc', name: 'memo', ...fingerprintDocument(DOCUMENT) }];
runDetectorContract('fingerprint', () => createFingerprintDetector({ documents }), {
  positives: [`Summarise: ${DOCUMENT.slice(0, 200)}`],
});
