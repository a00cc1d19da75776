import { defineConfig } from 'tsup';
import { libraryConfig } from '../../tsup.shared.ts';

// Neutral: live mode runs in workerd too; the bundled history (@satcast/data, Node-only) is imported
// lazily, only in offline/hybrid mode.
export default defineConfig(libraryConfig({ platform: 'neutral', external: ['@satcast/data'] }));
