#!/bin/sh
# Entry point of Cohort's images: runs the given command with COHORT_MARKET and COHORT_PROJECTS taken
# from the files the compose steps wrote into the shared volume ($COHORT_SHARED/market and
# $COHORT_SHARED/project), unless they are set already. Anything else comes from the environment.
set -eu
shared=${COHORT_SHARED:-/shared}
if [ -z "${COHORT_MARKET:-}" ] && [ -f "$shared/market" ]; then
  COHORT_MARKET=$(cat "$shared/market")
  export COHORT_MARKET
fi
if [ -z "${COHORT_PROJECTS:-}" ] && [ -f "$shared/project" ]; then
  COHORT_PROJECTS=$(cat "$shared/project")
  export COHORT_PROJECTS
fi
exec "$@"
