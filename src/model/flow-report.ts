/** Records one problem of a call-flow document at a path such as `ivrs[2].options.1`. */
export type Report = (path: string, message: string) => void;
