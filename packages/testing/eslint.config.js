import base from "@authkit/eslint-config/base";
import { boundaries } from "@authkit/eslint-config/boundaries";

export default [...base, ...boundaries("testing")];
