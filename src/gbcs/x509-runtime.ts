/**
 * @peculiar/x509 depends on tsyringe, which needs the Reflect metadata API.
 * Import this module before `@peculiar/x509` (ES modules evaluate imports in
 * order) so that every entry point gets it, whichever module loads first.
 */
import 'reflect-metadata';
