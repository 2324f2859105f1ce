// libbpf-ts: typed access to libbpf for the xdpfw control plane.
export { BpfError, type BpfErrorFields } from './errors';
export { numPossibleCpus, isBpffs, xdpQuery, ifNameToIndex, type XdpAttachMode } from './system';
export { BpfObject, type OpenOptions } from './object';
export { BpfProgram, type TestRunOptions, type TestRunResult } from './program';
export { BpfMap, PendingUpdate, type MapInfo, type MapSpec, type UpdateFlag } from './map';
export { BpfLink, type XdpMode, type LinkInfo } from './link';
export { MapType, MapFlags, ProgType, LinkType } from './constants';
export { packageRoot } from './load';
