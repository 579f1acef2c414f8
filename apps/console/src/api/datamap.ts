import { client, ok, query, type Answer } from '../api';
import type { components } from './schema';

type Schemas = components['schemas'];
export type CatalogMap = Answer<'/catalog/map', 'get'>;
export type MapNode = Schemas['MapNode'];
export type MapEdge = Schemas['MapEdge'];
export type ControllerRecord = Schemas['ControllerRecord'];
export type ProcessorRecordRow = Schemas['ProcessorRecordRow'];
export type RopaAnswer = Answer<'/governance/ropa', 'get'>;
export type RopaView = RopaAnswer['view'];

/** The Data map and Records of processing screens' calls (catalog:read). `asOf`: an ISO instant, or now when absent. */
export const datamapApi = {
  map: (asOf: string | undefined) => ok(client.GET('/catalog/map', { params: { query: { as_of: asOf } } })),
  /** JSON (the route also answers CSV with format=csv: the download link below). */
  ropa: (view: RopaView, asOf: string | undefined) => ok(client.GET('/governance/ropa', { params: { query: { view, as_of: asOf } } })) as Promise<RopaAnswer>,
  /** Where the browser downloads the records (the session cookie goes with a same-origin link; the API names the CSV file). */
  downloadUrl: (view: RopaView, format: 'csv' | 'json', asOf: string | undefined) => `/governance/ropa${query({ view, format, as_of: asOf })}`,
};
