import { defineConfig } from 'tsup';
import { libraryConfig } from '../tsup.shared.ts';

// Drivers stay external (@libsql/client loads a native binding); `s3` is its own entry so importing the
// registry never loads the AWS SDK unless the S3 artifact store is used.
export default defineConfig(
  libraryConfig({
    platform: 'node',
    entry: ['src/index.ts', 'src/s3.ts'],
    external: ['@satcast/core', '@libsql/client', 'drizzle-orm', '@aws-sdk/client-s3'],
  }),
);
