export { globMatch } from '@parapet/core';
