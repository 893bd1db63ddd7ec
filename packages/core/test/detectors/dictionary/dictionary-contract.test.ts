import { createDictionaryDetector } from '../../../src/detectors/dictionary/dictionary.ts';
import { runDetectorContract } from '../detector-contract.ts';

const terms = [{ term: 'Project Falcon', type: 'PROJECT' }, { term: 'Acme' }, { term: 'a' }];
runDetectorContract('dictionary', () => createDictionaryDetector({ terms }), {
  positives: ['status of project falcon', 'call ACME today'],
});
