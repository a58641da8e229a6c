// Patterns shared by the JSON schemas (which hold the same strings, pinned by a
// test) and the messages that explain them.

export const DIR_PATTERN = '^(/(?!\\.\\.?(/|$))[A-Za-z0-9._-]+)+/?$';
export const HTTP_PATH_PATTERN = "^/[A-Za-z0-9._~!&()*+,=:@%/?-]*$";
export const EMAIL_PATTERN = '^[A-Za-z0-9._%+-]+@([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$';
// The Docker reference grammar (distribution/reference), without the IPv6 registry form.
export const IMAGE_PATTERN =
  '^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*(:[0-9]+)?/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$';
export const USER_PATTERN = '^[a-z_][a-z0-9_-]{0,31}$';
