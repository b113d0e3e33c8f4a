/**
 * CS06 (DUIS 11.3) activate firmware on the ESME: the shared firmware
 * handlers (meter-common/firmware.ts; the ESME's services are its host).
 */
export { activateFirmware, runFirmwareActivation } from '../../meter-common/firmware.ts';
