#!/bin/sh
# pgkeep CLI from the bundle (Node 24 copied from the official image).
exec /usr/local/bin/node /opt/pgkeep/dist/cli/index.js "$@"
