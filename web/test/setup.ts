import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Testing Library unmounts between tests by itself only with Vitest's globals, which are off here.
afterEach(() => cleanup());

// The first render of a lazy page compiles it: on a busy machine that takes more than a second.
configure({ asyncUtilTimeout: 5_000 });
