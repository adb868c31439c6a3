# One image with every kinfer binary; manifests pick one with `command: [node, /app/bin/<binary>.js]`.
#   docker build -t ghcr.io/kinfer-dev/kinfer:0.1.0 .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
USER 65532:65532
ENTRYPOINT ["node"]
CMD ["/app/bin/kinfer-extender.js", "--help"]
