// The netns test harness: namespaces and veth links, a private bpffs, test daemons, traffic.
// See topology.ts for the standard gen <-> fw pair and what native XDP on veth needs.

export { skipReason, repoRoot, cliArgv, isRoot } from './env';
export { onTeardown, teardownAll } from './cleanup';
export { Netns, sweepStale } from './netns';
export { createLink, addHost, ip4, ip6, type Link, type LinkEnd } from './topology';
export { mountTestBpffs, sweepStaleMounts, type TestBpffs } from './bpffs';
export { Daemon, xdpfw, makeTempDir, type DaemonOptions } from './daemon';
export { ApiClient, ruleCount, type Stats } from './api';
export { ping, PingStream, UdpReceiver, UdpStream, udpSend, TcpListener, tcpConnect, type PingResult } from './traffic';
export { sendFrames, FrameSniffer } from './frames';
export { answeredRuns, type Run } from './runs';
export { xdpAttachment, type XdpAttachment } from './xdp-state';
export { parseExposition, samplesOf, valueOf, type Exposition } from './prom-text';
export { useNetnsEnv, type NetnsEnv, type Pair } from './suite';
