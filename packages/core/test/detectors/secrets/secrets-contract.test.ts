import { createSecretsDetector } from '../../../src/detectors/secrets/index.ts';
import { runDetectorContract } from '../detector-contract.ts';

runDetectorContract('secrets', () => createSecretsDetector({}), {
  positives: [
    'key AKIAQ7X2M4RTB6ZPLN3V here',
    'DATABASE_URL=postgres://app:Xk9#vQ2mLp@db:5432/app',
    'password = "T4v!qR8zLm"',
  ],
});
