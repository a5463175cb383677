#!/usr/bin/env node
// The pcmk-remote command: runs the compiled CLI (npm run build). From a checkout, use `npm run cli --`.
await import('../dist/main.js');
