import { KubeError } from '../cluster.js';
import { defaultStorePath, ProfileStore, StoreError } from './store.js';

/** Opens the store at --profiles (or the default), turning its errors into one-line command errors. */
export function openStore(path: string | undefined, mode: 'read' | 'write'): ProfileStore {
  try {
    return ProfileStore.open(path ?? defaultStorePath(), mode);
  } catch (error) {
    throw new KubeError(error instanceof StoreError ? error.message : (error as Error).message);
  }
}
