import { runBrokerProcess } from '../broker/main';
import { mountViewer } from './mount-viewer';

/**
 * Process entry point of the broker with the clinician's viewer (`npm start`): the same process as
 * broker/main.ts (roles, cluster, configuration errors), with the viewer's routes mounted on the API
 * role's server when `viewer.enabled` is set.
 */
runBrokerProcess(mountViewer);
