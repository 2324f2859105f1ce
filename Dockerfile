# xdpfw in a container. Build: docker build -t xdpfw .
# Run (host network, the host's bpffs so pins outlive the container, only the capabilities needed):
#   docker run --rm --network host \
#     -v /sys/fs/bpf:/sys/fs/bpf -v /var/lib/xdpfw:/var/lib/xdpfw -v /etc/xdpfw:/etc/xdpfw:ro \
#     --cap-drop ALL --cap-add BPF --cap-add NET_ADMIN --cap-add PERFMON --cap-add SYS_ADMIN \
#     xdpfw run --iface eth0 --rules /etc/xdpfw/rules.json
# CAP_SYS_ADMIN is needed only for bpf_link updates on older kernels and bpffs pins owned by
# root; on kernels >= 5.8 try without it first. The API listens on 127.0.0.1:9720 by default.

# --- build stage: the BPF object, the native addon, the TypeScript --------------------------
FROM node:20-bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config make g++ python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-fund --no-audit
COPY tsconfig.json ./
COPY xdp ./xdp
COPY native ./native
COPY src ./src
COPY rules ./rules
COPY bin ./bin
COPY scripts ./scripts
# The same steps as `npm run build` (scripts/build.sh), without the tests and benchmarks.
RUN make -s -C xdp \
 && npx --no-install node-gyp rebuild --directory native --nodedir=/usr/local \
 && npx --no-install tsc -p tsconfig.json \
 && npm prune --omit=dev

# --- runtime stage: Node, libbpf and the built artefacts only ---------------------------------
FROM node:20-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g iproute2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/xdpfw
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/xdp/build ./xdp/build
COPY --from=build /src/native/build/Release/libbpf_ts.node ./native/build/Release/libbpf_ts.node
COPY --from=build /src/rules ./rules
COPY --from=build /src/bin ./bin
ENTRYPOINT ["node", "/opt/xdpfw/bin/xdpfw"]
CMD ["--help"]
