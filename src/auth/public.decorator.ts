import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'fhir-facade:public';

/** Opts a route out of authentication. Every other route requires a valid bearer token (deny by default). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
