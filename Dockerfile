# One image with every kinfer binary; manifests pick one with `command: [node, /app/bin/<binary>.js]`.
#   docker build -t ghcr.io/kinfer-dev/kinfer:0.1.0 .
#
# The base is pinned by digest, so a rebuild is reproducible and a re-pointed tag cannot change it silently.
# node:20-bookworm-slim@sha256:2cf067cf…: the digest several unrelated public repositories pin for this tag
# (found by code search). It was NOT checked against Docker Hub from the machine this was written on (no
# registry access there): before a release, confirm it with
#   docker buildx imagetools inspect node:20-bookworm-slim
# and bump it deliberately (Node 20 left maintenance in April 2026: move to node:22-bookworm-slim with it).
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Tests, benchmarks and the demo are compiled with the rest (one tsconfig) and dropped here: the image ships
# only what the binaries run.
RUN npx tsc -p tsconfig.json && npm prune --omit=dev && rm -rf dist/test dist/bench

FROM ${NODE_IMAGE}
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
USER 65532:65532
ENTRYPOINT ["node"]
CMD ["/app/bin/kinfer-extender.js", "--help"]
