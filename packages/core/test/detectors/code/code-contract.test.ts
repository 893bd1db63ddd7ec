import { createCodeDetector } from '../../../src/detectors/code/code.ts';
import { runDetectorContract } from '../detector-contract.ts';

runDetectorContract('code', () => createCodeDetector({}), {
  positives: ['Fix:\n```python\nprint(1)\n```', 'int main() {\n    printf("hi");\n    return 0;\n}'],
});
