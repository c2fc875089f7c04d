/*
 * SDK: api/@hms.ai.AgentFramework.d.ets (Agent Framework Kit, since 6.0.0(20), phone/tablet, Stage model).
 * From the hmaf-function-component reference: FunctionComponent is a @Component whose parameters are read only
 * when it is created; isAgentSupport/on/off live on AgentController (FunctionController inherits it).
 */
import common from '@ohos.app.ability.common';
import { BusinessError, Callback, ErrorCallback } from '@ohos.base';

/** @since 6.0.0(20) */
export declare enum ButtonType {
  CIRCLE = 0,
  CAPSULE = 1,
  /** @since 6.0.1(21) */
  ICON_ABOVE_TITLE = 2
}

/** @since 6.0.0(20) */
export interface BaseOptions {
  title?: string;
  titleFontSize?: number;
  iconSize?: number;
  iconColors?: ResourceColor[];
}

/** @since 6.0.0(20) */
export interface FunctionOptions extends BaseOptions {
  queryText?: string;
  controlSize?: ControlSize;
  buttonType?: ButtonType;
  isShowShadow?: boolean;
  backgroundColor?: ResourceColor;
  titleColors?: ResourceColor[];
}

/** @since 6.0.0(20) */
export declare class AgentController {
  constructor();
  isAgentSupport(context: common.UIAbilityContext, agentId: string): Promise<boolean>;
  on(type: 'agentDialogOpened', callback: Callback<void>): void;
  on(type: 'agentDialogClosed', callback: Callback<void>): void;
  off(type: 'agentDialogOpened', callback?: Callback<void>): void;
  off(type: 'agentDialogClosed', callback?: Callback<void>): void;
}

/** @since 6.0.0(20) */
export declare class FunctionController extends AgentController {}

/** @since 6.0.0(20) */
export interface FunctionComponentParams {
  agentId: string;
  onError: ErrorCallback<BusinessError>;
  options?: FunctionOptions;
  controller?: FunctionController;
}

/**
 * The @Component struct, seen from a caller's build(): FunctionComponent({ agentId, onError, ... }).
 * @since 6.0.0(20)
 */
export declare const FunctionComponent: (params: FunctionComponentParams) => void;
