/** The destination loop check (src/model/destination-graph.ts), for the tenant layer and the sections that feed it. */
export { destinationNode, findDestinationLoop, loopText, type DestinationGraphNode } from '../model/destination-graph.js';
