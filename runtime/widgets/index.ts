/**
 * Jupyter widgets from TypeScript, the `widgets` namespace of a notebook: sliders, buttons, boxes and an
 * output area that JupyterLab's and Notebook's widget managers render and that talk back to the kernel
 * (protocol 2.1, see model.ts). In plain Node they are inert: state and observers work, nothing is shown.
 */
export {
  WidgetModel,
  widgetBundle,
  type Change,
  type Observer,
  type WidgetState,
  WIDGET_VIEW_MIME,
  PROTOCOL_VERSION,
} from "./model";
export {
  Layout,
  Style,
  DOMWidget,
  ValueWidget,
  IntSlider,
  FloatSlider,
  IntRangeSlider,
  Play,
  Dropdown,
  ToggleButtons,
  Checkbox,
  Button,
  Text,
  Label,
  HTML,
  Image,
  HBox,
  VBox,
  Tab,
  jslink,
  type ButtonOptions,
  type ButtonStyle,
  type BoxOptions,
  type CheckboxOptions,
  type DescriptionOptions,
  type DOMWidgetOptions,
  type ImageOptions,
  type LabelOptions,
  type PlayOptions,
  type SelectionOptions,
  type SelectionOptionsList,
  type SliderOptions,
  type TabOptions,
  type TextOptions,
  type ToggleButtonsOptions,
} from "./controls";
export { Output, type OutputItem } from "./output";
export {
  interact,
  widgetFor,
  type Abbreviation,
  type AbbreviationValue,
  type Interactive,
  type InteractValues,
} from "./interact";
