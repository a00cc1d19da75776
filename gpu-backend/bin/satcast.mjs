#!/usr/bin/env node
// The satcast CLI (built by `pnpm build` into dist/).
import "../dist/cli.js";
